package cli

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/sign"
)

// recordedIgnores returns serialization.ignore_paths of a bundle file.
func recordedIgnores(t *testing.T, sigPath string) []string {
	t.Helper()
	raw, err := os.ReadFile(sigPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := b.PayloadBytes()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate struct {
			Resources []struct {
				Name string `json:"name"`
			} `json:"resources"`
			Serialization struct {
				IgnorePaths []string `json:"ignore_paths"`
			} `json:"serialization"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	return st.Predicate.Serialization.IgnorePaths
}

// TestSignatureFileOfTheModelIsSigned is the exact reproduction of issue 10
// point 1: signing from a folder with no model.sig must not leave the
// model's own top-level model.sig out of the signature, so replacing it is
// caught; and signing twice records the same ignore_paths.
func TestSignatureFileOfTheModelIsSigned(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir("m", 0o755))
	must(os.WriteFile("m/w.bin", []byte("w\n"), 0o644))
	must(os.WriteFile("m/model.sig", []byte("real data\n"), 0o644))
	if _, code, err := run(t, "keygen", "-o", "k"); code != 0 {
		t.Fatal(err)
	}
	if out, code, err := run(t, "sign", "m", "--key", "k.pem"); code != 0 {
		t.Fatalf("sign: %d %v %s", code, err, out)
	}
	first := recordedIgnores(t, "model.sig")
	if slices.Contains(first, "model.sig") {
		t.Errorf("the model's own model.sig is ignored: %q", first)
	}
	must(os.WriteFile("m/model.sig", []byte("TROJAN\n"), 0o644))
	out, code, _ := run(t, "verify", "m", "--key", "k.pub.pem")
	if code != ExitFindings || !strings.Contains(out, "CHANGED") || !strings.Contains(out, "model.sig") {
		t.Errorf("a replaced model file verified: exit %d\n%s", code, out)
	}
	// Signing again (./model.sig now exists) records the same list.
	must(os.WriteFile("m/model.sig", []byte("real data\n"), 0o644))
	if out, code, err := run(t, "sign", "m", "--key", "k.pem"); code != 0 {
		t.Fatalf("sign again: %d %v %s", code, err, out)
	}
	if second := recordedIgnores(t, "model.sig"); !slices.Equal(first, second) {
		t.Errorf("ignore_paths differ between two signings: %q then %q", first, second)
	}
	if out, code, err := run(t, "verify", "m", "--key", "k.pub.pem"); code != 0 {
		t.Fatalf("verify untouched: %d %v %s", code, err, out)
	}
}
