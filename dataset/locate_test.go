package dataset_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/internal/s3test"
)

// registered makes a two-file dataset (one file above PrefixBytes, so the
// full-hash step runs) and its descriptor, allowed under allowedPrefix.
func registered(t *testing.T, allowedPrefix string) (string, *dataset.Descriptor) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "adult")
	os.MkdirAll(dir, 0o755)
	big := make([]byte, 200<<10)
	rand.Read(big)
	os.WriteFile(filepath.Join(dir, "train.csv"), big, 0o600)
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("UCI Adult, governed copy\n"), 0o600)
	d, err := dataset.Describe(t.Context(), dir, "adult")
	if err != nil {
		t.Fatal(err)
	}
	d.Owner, d.Classification, d.Allowed = "team-risk", "confidential", []string{allowedPrefix}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return dir, d
}

// decoys are objects that must not match: same size different content,
// same first 64 KiB different tail, unrelated.
func decoys(t *testing.T, src string) map[string][]byte {
	big, _ := os.ReadFile(filepath.Join(src, "train.csv"))
	sameSize := make([]byte, len(big))
	rand.Read(sameSize)
	samePrefix := bytes.Clone(big)
	samePrefix[len(samePrefix)-1] ^= 1
	return map[string][]byte{
		"other/same-size.bin":   sameSize,
		"other/same-prefix.bin": samePrefix,
		"other/unrelated.txt":   []byte("hello"),
	}
}

func checkCopies(t *testing.T, got []dataset.Copy, st dataset.LocateStats, want map[string]bool) {
	t.Helper()
	sort.Slice(got, func(i, j int) bool { return got[i].Location < got[j].Location })
	if len(got) != len(want) {
		t.Fatalf("copies %+v, want %v", got, want)
	}
	for _, c := range got {
		allowed, ok := want[c.Location]
		if !ok || c.Allowed != allowed || c.Dataset != "adult" || c.Classification != "confidential" || c.Owner != "team-risk" {
			t.Errorf("copy %+v, want allowed=%v (known %v)", c, allowed, ok)
		}
	}
	// The cascade: unrelated sizes are never read; the same-size decoy is
	// rejected by its prefix; the same-prefix decoy needs the full hash.
	if st.Errors != 0 {
		t.Errorf("errors: %+v", st)
	}
}

// TestLocateFolder: copies of a registered dataset are found wherever they
// are under a folder; those under the allowed prefix are allowed, the
// others are strays; a folder whose name only starts like the allowed one
// is not allowed; decoys are not copies.
func TestLocateFolder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	src, d := registered(t, "file://"+filepath.ToSlash(root)+"/governed")
	put := func(rel string, b []byte) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, b, 0o600)
	}
	big, _ := os.ReadFile(filepath.Join(src, "train.csv"))
	readme, _ := os.ReadFile(filepath.Join(src, "README.txt"))
	put("governed/train.csv", big)
	put("governed-copy/train.csv", big)
	put("home/alice/Downloads/adult (1).csv", big)
	put("home/alice/README.txt", readme)
	for k, v := range decoys(t, src) {
		put(k, v)
	}
	b, err := fileblob.OpenBucket(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	base := "file://" + filepath.ToSlash(root) + "/"
	got, st, err := dataset.Locate(t.Context(), b, "", base, dataset.NewIndex(d), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCopies(t, got, st, map[string]bool{
		base + "governed/train.csv":                 true,
		base + "governed-copy/train.csv":            false,
		base + "home/alice/Downloads/adult (1).csv": false,
		base + "home/alice/README.txt":              false,
	})
	if st.Objects != 7 || st.PrefixHashed != 6 || st.FullHashed != 4 {
		t.Errorf("cascade: %+v (want 7 listed, 6 same-size prefix-hashed, 4 full: 3 copies and the same-prefix decoy)", st)
	}
}

// TestLocateS3: the same search in a bucket on a real S3 server
// (versitygw), the registry's blob layer.
func TestLocateS3(t *testing.T) {
	bk := s3test.Fresh(t)
	ctx := t.Context()
	b, err := blob.OpenBucket(ctx, bk.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	base := "s3://" + bk.Name + "/"
	src, d := registered(t, base+"governed/")
	big, _ := os.ReadFile(filepath.Join(src, "train.csv"))
	for k, v := range map[string][]byte{"governed/train.csv": big, "scratch/adult.csv": big} {
		if err := b.WriteAll(ctx, k, v, nil); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range decoys(t, src) {
		b.WriteAll(ctx, k, v, nil)
	}
	got, st, err := dataset.Locate(ctx, b, "", base, dataset.NewIndex(d), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCopies(t, got, st, map[string]bool{base + "governed/train.csv": true, base + "scratch/adult.csv": false})
	// A prefix that does not exist lists nothing: not an error.
	if got, _, err := dataset.Locate(ctx, b, "nothing-here/", base, dataset.NewIndex(d), nil); err != nil || len(got) != 0 {
		t.Errorf("empty prefix: %v %v", got, err)
	}
}

func TestDescriptorValidate(t *testing.T) {
	t.Parallel()
	d := &dataset.Descriptor{Name: "x", Classification: "secret"}
	if err := d.Validate(); err == nil {
		t.Error("classification secret accepted")
	}
	d = &dataset.Descriptor{Name: "x", Files: []dataset.DFile{{Path: "a", Size: 1, SHA256: "ab"}}}
	if err := d.Validate(); err == nil {
		t.Error("short digest accepted")
	}
}
