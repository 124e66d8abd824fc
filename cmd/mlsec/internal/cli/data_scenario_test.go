package cli

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/internal/s3test"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// adultSlice writes the first rows lines of UCI Adult (drift/testdata,
// CC BY 4.0, see its SOURCES.md) as dir/adult.csv, with edit applied to
// each line.
func adultSlice(t *testing.T, dir string, rows int, edit func(i int, line string) string) {
	t.Helper()
	f, err := os.Open("../../../../drift/testdata/data/adult-train.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sc := bufio.NewScanner(zr)
	for i := 0; i <= rows && sc.Scan(); i++ {
		b.WriteString(edit(i, sc.Text()) + "\n")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "adult.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTrainingDataScenario is issue 20's acceptance scenario, end to end
// through a real 'mlsec serve' and the CLI with the DEFAULT policy: a new
// user registers UCI Adult and sees its sensitive attributes; a training
// gate denies it until its owner approves it; a model version trained on
// it is promoted. One row is edited and registered as a new version: a
// model version trained on it is denied promotion (MLSEC-DATA-002) until
// the change is approved, then promoted. A copy of the data in another
// folder is reported by 'mlsec data locate --server'.
func TestTrainingDataScenario(t *testing.T) {
	// On the embedded SQLite store and, with MLSEC_TEST_POSTGRES_URL (CI),
	// on PostgreSQL: the story is the issue's, the stores are both.
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			database := ""
			if name != "sqlite" {
				database = dsn(t)
			}
			trainingDataScenario(t, database)
		})
	}
}

func trainingDataScenario(t *testing.T, database string) {
	dir := t.TempDir()
	url, admin, signer := signedServerOn(t, filepath.Join(dir, "srv"), database)
	alice := newToken(t, url, admin, "alice", registry.RoleMaintainer)
	bob := newToken(t, url, admin, "bob", registry.RoleReviewer)

	// Register UCI Adult (2,000 rows) as a new user: sensitive attributes
	// reported, the version pending approval by its owner bob.
	governed := filepath.Join(dir, "governed")
	adult := filepath.Join(governed, "adult")
	adultSlice(t, adult, 2000, func(_ int, l string) string { return l })
	register := func(extra ...string) registry.DatasetVersion {
		t.Helper()
		args := append([]string{"data", "register", adult, "--name", "adult", "--classification", "confidential", "--owner", "bob",
			"--lawful-basis", "UCI ML repository, CC BY 4.0", "--retention", "3y", "--allowed-location", "file://" + filepath.ToSlash(governed) + "/",
			"--null-values", "?", "--format", "json"}, extra...)
		code, out, errs := as(alice, args...)
		var v registry.DatasetVersion
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Fatalf("data register: %d %s %s", code, out, errs)
		}
		return v
	}
	v1 := register()
	if v1.Number != 1 || v1.Status != registry.DatasetPending || v1.PII == nil ||
		strings.Join(v1.PII.SensitiveColumns(), ",") != "age,marital_status,race,sex,native_country" {
		t.Fatalf("adult@1: %+v", v1)
	}
	code, out, errs := as(alice, "data", "versions", "adult")
	if code != 0 || !strings.Contains(out, "adult@1") || !strings.Contains(out, "pending") || !strings.Contains(out, "race, sex") {
		t.Fatalf("data versions: %d %s %s", code, out, errs)
	}

	// Before training: the gate denies unapproved data; the registrant
	// cannot approve it; its owner does; then the gate allows.
	if code, out, errs := as(alice, "gate", "--dataset", "adult@1"); code != 1 || !strings.Contains(out, "DENIED") || !strings.Contains(out, "MLSEC-DATA-002") {
		t.Fatalf("gate on pending data: %d %s %s", code, out, errs)
	}
	if code, _, errs := as(alice, "data", "approve", "adult@1"); code != 1 || !strings.Contains(errs, "separation of duties") {
		t.Fatalf("self-approval: %d %s", code, errs)
	}
	if code, out, errs := as(bob, "data", "approve", "adult@1", "--comment", "PII report reviewed"); code != 0 || !strings.Contains(out, "approved by bob") {
		t.Fatalf("owner approval: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(alice, "gate", "--dataset", "adult@1"); code != 0 || !strings.Contains(out, "ALLOWED") {
		t.Fatalf("gate on approved data: %d %s %s", code, out, errs)
	}

	// A model version trained on adult@1 (nothing is trained: the
	// lineage says so) is promoted once bob approves the request.
	promote := func(ref, dataDigest string) (int, string) {
		t.Helper()
		if code, out, errs := as(alice, "lineage", ref, "--add", "trained_on=sha256:"+dataDigest); code != 0 {
			t.Fatalf("lineage %s: %d %s %s", ref, code, out, errs)
		}
		code, out, errs := as(alice, "request", ref, "promote", "--stage", "production", "--rationale", "trained on governed data")
		if code == 2 {
			t.Fatalf("request %s: %d %s %s", ref, code, out, errs)
		}
		return code, out
	}
	m1 := releaseSigned(t, signer, alice, "credit", 1, nil)
	if code, _, errs := as(admin, "owners", "credit", "--set", "approve=bob", "--set", "rollback=bob"); code != 0 {
		t.Fatalf("owners: %s", errs)
	}
	code, out = promote(m1, v1.Digest)
	if code != 0 || !strings.Contains(out, ": pending") {
		t.Fatalf("request %s: %d %s", m1, code, out)
	}
	if code, out, errs := as(bob, "approve", requestIDOf(t, out)); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approve %s: %d %s %s", m1, code, out, errs)
	}

	// What is credit@1 built on, and who approved it?
	cl, err := client.New(url, alice)
	if err != nil {
		t.Fatal(err)
	}
	td, err := cl.TrainingData(t.Context(), "credit", 1)
	if err != nil || len(td) != 1 || td[0].Name != "adult" || td[0].Version != 1 || td[0].Approval != "approved" || td[0].ApprovedBy != "bob" ||
		td[0].Classification != "confidential" || len(td[0].SensitiveAttributes) != 5 {
		t.Fatalf("training data of credit@1: %+v %v", td, err)
	}

	// One row edited: a new version, derived from adult@1, pending; the
	// diff shows the changed file, the edited row and no dataset drift.
	v1copy := filepath.Join(dir, "adult-v1")
	copyTree(t, adult, v1copy)
	adultSlice(t, adult, 2000, func(i int, l string) string {
		if i == 17 {
			return strings.Replace(l, "Male", "Female", 1)
		}
		return l
	})
	v2 := register("--derived-from", "adult@1")
	if v2.Number != 2 || v2.Digest == v1.Digest || v2.Status != registry.DatasetPending || v2.DerivedFrom != "adult@1" {
		t.Fatalf("adult@2: %+v", v2)
	}
	code, out, errs = as(alice, "data", "diff", "adult@1="+v1copy, "adult@2="+adult)
	if code != 1 || !strings.Contains(out, "CHANGED  adult.csv") || !strings.Contains(out, "rows 2000 -> 2000 (1 added, 1 removed)") ||
		!strings.Contains(out, "no dataset drift") {
		t.Fatalf("data diff: %d %s %s", code, out, errs)
	}
	if code, _, errs := as(alice, "data", "diff", "adult@2="+v1copy, "adult@1"); code != 2 || !strings.Contains(errs, "is not adult@2") {
		t.Fatalf("a local copy that is not the version: %d %s", code, errs)
	}
	m2 := releaseSigned(t, signer, alice, "credit", 2, map[string]string{"generation_config.json": `{"max_new_tokens": 64}`})
	code, out = promote(m2, v2.Digest)
	if code != 1 || !strings.Contains(out, ": denied") || !strings.Contains(out, "MLSEC-DATA-002") {
		t.Fatalf("promotion trained on unapproved data: %d %s", code, out)
	}
	if code, out, errs := as(bob, "data", "approve", "adult@2", "--comment", "row 17 corrected"); code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("approve adult@2: %d %s %s", code, out, errs)
	}
	code, out, errs = as(alice, "request", m2, "promote", "--stage", "production", "--rationale", "data change approved")
	if code != 0 || !strings.Contains(out, ": pending") {
		t.Fatalf("request after approval: %d %s %s", code, out, errs)
	}
	if code, out, errs := as(bob, "approve", requestIDOf(t, out)); code != 0 || !strings.Contains(out, ": executed") {
		t.Fatalf("approve %s: %d %s %s", m2, code, out, errs)
	}

	// The data copied elsewhere: data locate finds the stray copy from the
	// registry's datasets, with owner and classification.
	scratch := filepath.Join(dir, "scratch")
	copyTree(t, adult, scratch)
	code, out, errs = as(alice, "data", "locate", dir, "--server", url)
	if code != 1 || !strings.Contains(out, "STRAY") || !strings.Contains(out, "scratch/adult.csv") || !strings.Contains(out, "adult@2  ") ||
		!strings.Contains(out, "bob") || !strings.Contains(out, "confidential") || strings.Contains(out, "governed/adult/adult.csv") {
		t.Fatalf("data locate: %d %s %s", code, out, errs)
	}
}

// TestLocateRegisteredS3: 'mlsec data locate s3://... --server' looks for
// the registry's dataset versions in a bucket (versitygw): the copy under
// the allowed prefix is not reported, the one elsewhere is a stray with
// the version, its owner and classification.
func TestLocateRegisteredS3(t *testing.T) {
	bk := s3test.Fresh(t)
	_, url, admin := clientEnv(t)
	src := t.TempDir()
	body := []byte("card,name\n4111111111111111,Ann\n")
	if err := os.WriteFile(filepath.Join(src, "tx.csv"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	base := "s3://" + bk.Name + "/"
	if code, out, errs := as(admin, "data", "register", src, "--name", "tx", "--classification", "restricted", "--owner", "carol",
		"--allowed-location", base+"governed/"); code != 0 {
		t.Fatalf("register: %d %s %s", code, out, errs)
	}
	b, err := blob.OpenBucket(t.Context(), bk.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, k := range []string{"governed/tx.csv", "exports/tx-copy.csv"} {
		if err := b.WriteAll(t.Context(), k, body, nil); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := as(admin, "data", "locate", bk.URL, "--server", url, "--all")
	if code != 1 || !strings.Contains(out, "STRAY    "+base+"exports/tx-copy.csv  tx@1") || !strings.Contains(out, "allowed  "+base+"governed/tx.csv") ||
		!strings.Contains(out, "carol") || !strings.Contains(out, "restricted") {
		t.Fatalf("locate: %d %s %s", code, out, errs)
	}
}
