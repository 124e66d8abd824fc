package corpus

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bodgit/sevenzip"
)

func byFile(t *testing.T) map[string]Sample {
	t.Helper()
	m := map[string]Sample{}
	for _, s := range All() {
		m[s.File] = s
	}
	return m
}

func TestValidate(t *testing.T) {
	if err := Validate(All()); err != nil {
		t.Fatal(err)
	}
	bad := []Sample{{File: "a", Expected: Malicious, Section: "9", Technique: "x", Data: []byte{1}}}
	if Validate(bad) == nil {
		t.Error("a malicious sample without expected rules must be rejected")
	}
	dup := []Sample{ben("a", "9", "x", []byte{1}), ben("a", "9", "y", []byte{2})}
	if Validate(dup) == nil {
		t.Error("duplicate files must be rejected")
	}
}

func TestDeterministic(t *testing.T) {
	a, b := All(), All()
	if len(a) != len(b) {
		t.Fatalf("sizes differ: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i].File != b[i].File || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s: not reproducible", a[i].File)
		}
	}
}

// TestSurveyMatrixCovered: every sample of the survey's §9 matrix exists
// with the verdict the survey gives it.
func TestSurveyMatrixCovered(t *testing.T) {
	m := byFile(t)
	want := map[string]string{
		"benign.pkl": Benign, "benign_numpy.pkl": Benign, "benign_ordereddict.pkl": Benign,
		"benign_torch_ref.pkl": Benign, "benign_zip.pt": Benign,
		"malicious.pkl": Malicious, "malicious_p0.pkl": Malicious, "broken_nullifai.pkl": Malicious,
		"stack_global_string.pkl": Malicious, "legacy_torch_payload_in_4th.pt": Malicious,
		"crc_mismatch.pt": Malicious, "hidden_member.zip": Malicious, "hidden_member_p0.zip": Malicious,
		"plain_pickle.bin": Malicious, "polyglot_pickle_zip.pkl": Malicious, "polyglot_pickle_zip.bin": Malicious,
		"dotted_attr.pkl": Malicious, "submodule_asyncio.pkl": Malicious, "importlib_import_module.pkl": Malicious,
		"pkgutil_resolve_name.pkl": Malicious, "numpy_builtins_330.pkl": Malicious,
		"evil_zlib.joblib": Malicious, "evil_gzip.joblib": Malicious, "evil_bz2.joblib": Malicious,
		"evil_xz.joblib": Malicious, "evil_lzma.joblib": Malicious, "evil_lz4.joblib": Malicious,
		"evil_zstd.joblib": Malicious, "lambda.h5": Malicious, "lambda.keras": Malicious, "module_ref.keras": Malicious,
	}
	for f, v := range want {
		s, ok := m[f]
		if !ok {
			t.Errorf("§9 sample %s missing", f)
			continue
		}
		if s.Expected != v {
			t.Errorf("%s: expected %s, want %s", f, s.Expected, v)
		}
	}
	sections := map[string]int{}
	for _, s := range m {
		sections[s.Section]++
	}
	for _, sec := range []string{"5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "9"} {
		if sections[sec] == 0 {
			t.Errorf("no sample for survey section %s", sec)
		}
	}
	if n := sections["5.3"]; n != len(gadgets) {
		t.Errorf("gadget samples = %d, want one per gadget (%d)", n, len(gadgets))
	}
}

func TestPayloadBytes(t *testing.T) {
	// The canonical payloads the preamble documents, byte for byte.
	if got := string(MaliciousP0); got != "cposix\nsystem\n(S'echo hi'\ntR." {
		t.Errorf("MaliciousP0 = %q", got)
	}
	want := "\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x07echo hi\x85R."
	if got := string(MaliciousP4); got != want {
		t.Errorf("MaliciousP4 = %q, want %q", got, want)
	}
}

// TestZipPatches: each patched archive really carries the quirk that
// makes CPython's zipfile (and Go's archive/zip) disagree with torch.
func TestZipPatches(t *testing.T) {
	m := byFile(t)
	open := func(file string) *zip.Reader {
		d := m[file].Data
		r, err := zip.NewReader(bytes.NewReader(d), int64(len(d)))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return r
	}
	member := func(r *zip.Reader, name string) *zip.File {
		for _, f := range r.File {
			if f.Name == name {
				return f
			}
		}
		t.Fatalf("no member %s", name)
		return nil
	}
	f := member(open("crc_mismatch.pt"), "archive/data.pkl")
	rc, err := f.Open()
	if err == nil {
		_, err = io.ReadAll(rc)
	}
	if !errors.Is(err, zip.ErrChecksum) {
		t.Errorf("crc_mismatch.pt: read error %v, want a checksum error", err)
	}
	for file, flag := range map[string]uint16{"container/flag_0x1.pt": 0x1, "container/flag_0x20.pt": 0x20, "container/flag_0x40.pt": 0x40} {
		if got := member(open(file), "archive/data.pkl").Flags; got&flag == 0 {
			t.Errorf("%s: flags %#x lack %#x", file, got, flag)
		}
	}
	d := m["container/local_name_mismatch.pt"].Data
	if !bytes.Contains(d, []byte("archive/datap.kl")) || !bytes.Contains(d, []byte("archive/data.pkl")) {
		t.Error("local_name_mismatch.pt: local and central names not both present")
	}
	poly := m["polyglot_pickle_zip.pkl"].Data
	if !bytes.HasPrefix(poly, MaliciousP4) {
		t.Error("polyglot must start with the pickle")
	}
	if r := open("polyglot_pickle_zip.pkl"); len(r.File) != 1 || r.File[0].Name != "readme.txt" {
		t.Error("polyglot's appended ZIP must open with its own member")
	}
}

func TestSevenZip(t *testing.T) {
	d := byFile(t)["container/nullifai_7z.pt"].Data
	r, err := sevenzip.NewReader(bytes.NewReader(d), int64(len(d)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.File) != 1 || r.File[0].Name != "archive/data.pkl" {
		t.Fatalf("members: %+v", r.File)
	}
	rc, err := r.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, MaliciousP2) {
		t.Errorf("7z member = %q", got)
	}
}

func TestJSONSamplesParse(t *testing.T) {
	for _, s := range All() {
		if filepath.Ext(s.File) != ".json" {
			continue
		}
		var v any
		if err := json.Unmarshal(s.Data, &v); err != nil {
			t.Errorf("%s: %v", s.File, err)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	samples, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var man []Sample
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatal(err)
	}
	if len(man) != len(samples) {
		t.Fatalf("manifest has %d entries, wrote %d", len(man), len(samples))
	}
	for _, s := range samples {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.File)))
		if err != nil || !bytes.Equal(got, s.Data) {
			t.Errorf("%s: not written faithfully (%v)", s.File, err)
		}
	}
}
