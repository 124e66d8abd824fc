package dataset_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/internal/table"
	"github.com/mlsec/mlsec/pii"
	"github.com/mlsec/mlsec/scan"
)

// adult is UCI Adult's training split (drift/testdata/data/SOURCES.md).
const adult = "../drift/testdata/data/adult-train.csv.gz"

func column(t *testing.T, f dataset.File, name string) dataset.Column {
	t.Helper()
	for _, c := range f.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s has no column %s", f.Path, name)
	return dataset.Column{}
}

// TestAdultSensitiveAttributes: the five protected characteristics of UCI
// Adult are found by name, the others are not, and the numbers in it
// (fnlwgt, capital gain) are not taken for phone numbers or SSNs.
func TestAdultSensitiveAttributes(t *testing.T) {
	t.Parallel()
	rep, err := dataset.Scan(t.Context(), adult, dataset.Options{NullValues: []string{"?", " ?"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Error != "" || rep.Files[0].Rows != 32561 {
		t.Fatalf("want one clean file of 32,561 rows: %+v", rep.Files)
	}
	want := map[string]string{"age": "age", "marital_status": "marital_status", "race": "race", "sex": "sex", "native_country": "nationality"}
	for _, c := range rep.Files[0].Columns {
		got := ""
		if c.Sensitive != nil {
			got = c.Sensitive.Category
		}
		if got != want[c.Name] {
			t.Errorf("column %s: sensitive %q, want %q", c.Name, got, want[c.Name])
		}
		if c.WithPII != 0 {
			t.Errorf("column %s: %d values with PII %v %q: Adult holds none", c.Name, c.WithPII, c.Entities, c.Samples)
		}
	}
	if rep.Found() {
		t.Error("Found() on Adult")
	}
}

// TestPIIColumnsRedactedSamples: each PII column is counted per entity
// type and its samples never hold the value.
func TestPIIColumnsRedactedSamples(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := "id,email,note,ssn,gender,api_key\n" +
		"1,ann.lee@example.com,call me at +44 20 7946 0958,412-67-3021,F,ghp_0123456789abcdefghijABCDEFGHIJ012345\n" +
		"2,bob@example.org,nothing here,536-22-8417,M,\n" +
		"3,,fine,,F,\n"
	os.WriteFile(filepath.Join(dir, "people.csv"), []byte(csv), 0o600)
	rep, err := dataset.Scan(t.Context(), dir, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if f.Rows != 3 {
		t.Fatalf("rows %d", f.Rows)
	}
	email := column(t, f, "email")
	if email.Values != 2 || email.WithPII != 2 || email.Entities[pii.Email] != 2 || email.Share != 1 {
		t.Errorf("email column: %+v", email)
	}
	if ssn := column(t, f, "ssn"); ssn.Entities[pii.USSSN] != 2 {
		t.Errorf("ssn column: %+v", ssn)
	}
	if k := column(t, f, "api_key"); k.Entities[pii.Secret] != 1 {
		t.Errorf("api_key column: %+v", k)
	}
	if n := column(t, f, "note"); n.Entities[pii.Phone] != 1 || n.WithPII != 1 {
		t.Errorf("note column: %+v", n)
	}
	if g := column(t, f, "gender"); g.Sensitive == nil || g.Sensitive.Category != "sex" {
		t.Errorf("gender column: %+v", g)
	}
	if id := column(t, f, "id"); id.WithPII != 0 || id.Sensitive != nil {
		t.Errorf("id column: %+v", id)
	}
	var js bytes.Buffer
	rep.WriteJSON(&js)
	var tbl bytes.Buffer
	rep.WriteTable(&tbl)
	var sf bytes.Buffer
	rep.WriteSARIF(&sf, "", 1)
	for _, secret := range []string{"ann.lee@example.com", "bob@example.org", "7946 0958", "412-67-3021", "536-22-8417", "ghp_0123456789"} {
		for name, out := range map[string]string{"json": js.String(), "table": tbl.String(), "sarif": sf.String()} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output holds %q", name, secret)
			}
		}
	}
	if !strings.Contains(js.String(), "<EMAIL_ADDRESS>") || !strings.Contains(tbl.String(), "call me at <PHONE_NUMBER>") {
		t.Errorf("redacted samples missing:\n%s", tbl.String())
	}
	if !strings.Contains(sf.String(), `"DATA/PII/US_SSN"`) || !strings.Contains(sf.String(), `"DATA/SENSITIVE"`) {
		t.Errorf("SARIF rules missing")
	}
}

// TestBadInputFailsClosed: every bad file is reported with its reason and
// the scan goes on with the others.
func TestBadInputFailsClosed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, b []byte) { os.WriteFile(filepath.Join(dir, name), b, 0o600) }
	write("good.csv", []byte("email\nx@example.com\n"))
	write("ragged.csv", []byte("a,b\n1,2\n3\n"))
	write("corrupt.parquet", append([]byte("PAR1garbage-footer"), []byte("PAR1")...))
	write("blob.bin", []byte{0, 1, 2, 3, 0xff})
	os.Symlink("/etc/passwd", filepath.Join(dir, "link.csv"))
	// A gzip bomb: 64 MiB of zeros in a few KiB.
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write([]byte("a\n"))
	zw.Write(bytes.Repeat([]byte("0\n"), 32<<20))
	zw.Close()
	write("bomb.csv.gz", gz.Bytes())
	// A ZIP with one table and one nested archive.
	var zb bytes.Buffer
	zz := zip.NewWriter(&zb)
	w, _ := zz.Create("inner/people.csv")
	w.Write([]byte("phone\n+1 415 555 2671\n"))
	w, _ = zz.Create("inner/more.zip")
	w.Write([]byte("PK"))
	zz.Close()
	write("bundle.zip", zb.Bytes())

	lim := scan.DefaultLimits()
	lim.RatioGrace = 1 << 20
	lim.MaxRatio = 100
	rep, err := dataset.Scan(t.Context(), dir, dataset.Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]dataset.File{}
	for _, f := range rep.Files {
		byPath[f.Path] = f
	}
	cases := []struct {
		path string
		want error
	}{
		{"ragged.csv", table.ErrRagged},
		{"corrupt.parquet", table.ErrCorrupt},
		{"blob.bin", dataset.ErrUnsupported},
		{"link.csv", dataset.ErrUnsupported},
		{"bomb.csv.gz", dataset.ErrLimit},
		{"bundle.zip!inner/more.zip", dataset.ErrUnsupported},
	}
	for _, c := range cases {
		f, ok := byPath[c.path]
		if !ok {
			t.Errorf("%s not reported: %v", c.path, byPath)
			continue
		}
		if !errors.Is(f.Err(), c.want) || !strings.Contains(f.Error, "") {
			t.Errorf("%s: error %v, want %v", c.path, f.Err(), c.want)
		}
	}
	if f := byPath["good.csv"]; f.Error != "" || column(t, f, "email").WithPII != 1 {
		t.Errorf("good.csv: %+v", f)
	}
	if f := byPath["bundle.zip!inner/people.csv"]; f.Error != "" || column(t, f, "phone").Entities[pii.Phone] != 1 {
		t.Errorf("zip member: %+v", f)
	}
	if len(rep.Errors()) != len(cases) {
		t.Errorf("%d errors, want %d", len(rep.Errors()), len(cases))
	}
}

// TestTextAndJSONL: plain text is one "text" column; nested JSON Lines
// (which the table reader refuses) are read by JSON path.
func TestTextAndJSONL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("Dear John Smith,\nplease write to john.smith@example.com\nthanks\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "logs.jsonl"), []byte(`{"user":{"email":"a@example.com"},"msgs":["card 4111 1111 1111 1111","hi"]}`+"\n"+`{"user":{"email":"b@example.com"},"msgs":[]}`+"\n"), 0o600)
	rep, err := dataset.Scan(t.Context(), dir, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs, notes dataset.File
	for _, f := range rep.Files {
		switch f.Path {
		case "logs.jsonl":
			logs = f
		case "notes.txt":
			notes = f
		}
	}
	if c := column(t, notes, "text"); c.Entities[pii.Email] != 1 {
		t.Errorf("text: %+v", notes)
	}
	if logs.Error != "" {
		t.Fatalf("logs: %s", logs.Error)
	}
	if c := column(t, logs, "user.email"); c.Entities[pii.Email] != 2 {
		t.Errorf("user.email: %+v", c)
	}
	if c := column(t, logs, "msgs[*]"); c.Entities[pii.CreditCard] != 1 {
		t.Errorf("msgs: %+v", logs.Columns)
	}
}

func TestDetectSensitive(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		values []string
		want   string
	}{
		{"sex", nil, "sex"},
		{"applicantGender", nil, "sex"},
		{"Ethnicity", nil, "race"},
		{"date_of_birth", nil, "age"},
		{"patient_diagnosis", nil, "health"},
		{"zip_code", nil, "postcode"},
		{"sussex_office", nil, ""},
		{"usage", nil, ""},
		{"page_views", nil, ""},
		{"third_party_id", nil, ""},
		{"col7", []string{"Female", "Male"}, "sex"},
		{"col8", []string{"Amer-Indian-Eskimo", "Asian-Pac-Islander", "Black", "Other", "White"}, "race"},
		{"col9", []string{"Other", "Unknown"}, ""},
		{"col10", []string{"a", "b", "c"}, ""},
	}
	for _, c := range cases {
		got := ""
		if s := dataset.DetectSensitive(c.name, c.values, false); s != nil {
			got = s.Category
		}
		if got != c.want {
			t.Errorf("%s %v: %q, want %q", c.name, c.values, got, c.want)
		}
	}
}

// FuzzScan: any bytes under any of the names Scan dispatches on give a
// report, never a panic or a hang; a file that fails says why.
func FuzzScan(f *testing.F) {
	f.Add("a.csv", []byte("email,n\nx@example.com,1\n"))
	f.Add("a.jsonl", []byte(`{"a":{"b":"c@d.com"}}`+"\n"))
	f.Add("a.parquet", []byte("PAR1\x00\x00PAR1"))
	f.Add("a.zip", []byte("PK\x03\x04"))
	f.Add("a.csv.gz", []byte{0x1f, 0x8b, 8, 0})
	f.Add("a.txt", []byte("call +1 415 555 2671"))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		switch name {
		case "a.csv", "a.jsonl", "a.parquet", "a.zip", "a.csv.gz", "a.txt", "a.json", "a.bin":
		default:
			name = "a.bin"
		}
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, b, 0o600)
		rep, err := dataset.Scan(t.Context(), p, dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, fl := range rep.Files {
			if fl.Error != "" && fl.Err() == nil {
				t.Fatalf("%s: error text without an error", fl.Path)
			}
		}
	})
}

// TestTarArchives: members of .tar and .tar.gz archives are scanned like
// files; links and nested archives are reported, not followed or opened;
// a tar bomb stops at the limits; a truncated archive is an error after
// what could be read.
func TestTarArchives(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mk := func(name string, gz bool, entries func(tw *tar.Writer)) {
		var b bytes.Buffer
		var w io.Writer = &b
		var zw *gzip.Writer
		if gz {
			zw = gzip.NewWriter(&b)
			w = zw
		}
		tw := tar.NewWriter(w)
		entries(tw)
		tw.Close()
		if zw != nil {
			zw.Close()
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	file := func(tw *tar.Writer, name string, body []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write(body)
	}
	mk("bundle.tar.gz", true, func(tw *tar.Writer) {
		tw.WriteHeader(&tar.Header{Name: "inner/", Typeflag: tar.TypeDir, Mode: 0o755})
		file(tw, "inner/people.csv", []byte("phone\n+1 415 555 2671\n"))
		tw.WriteHeader(&tar.Header{Name: "inner/link.csv", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
		file(tw, "inner/more.zip", []byte("PK"))
	})
	mk("plain.tar", false, func(tw *tar.Writer) { file(tw, "emails.csv", []byte("email\nx@example.com\n")) })
	mk("bomb.tgz", true, func(tw *tar.Writer) {
		file(tw, "zeros.csv", append([]byte("a\n"), bytes.Repeat([]byte("0\n"), 32<<20)...))
	})
	full, _ := os.ReadFile(filepath.Join(dir, "plain.tar"))
	os.WriteFile(filepath.Join(dir, "cut.tar"), full[:520], 0o600) // inside the member

	lim := scan.DefaultLimits()
	lim.RatioGrace = 1 << 20
	lim.MaxRatio = 100
	rep, err := dataset.Scan(t.Context(), dir, dataset.Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]dataset.File{}
	for _, f := range rep.Files {
		byPath[f.Path] = f
	}
	if f := byPath["bundle.tar.gz!inner/people.csv"]; f.Error != "" || column(t, f, "phone").Entities[pii.Phone] != 1 {
		t.Errorf("tar.gz member: %+v", f)
	}
	if f := byPath["plain.tar!emails.csv"]; f.Error != "" || column(t, f, "email").WithPII != 1 {
		t.Errorf("tar member: %+v", f)
	}
	for p, want := range map[string]error{
		"bundle.tar.gz!inner/link.csv": dataset.ErrUnsupported,
		"bundle.tar.gz!inner/more.zip": dataset.ErrUnsupported,
		"bomb.tgz!zeros.csv":           dataset.ErrLimit,
	} {
		if f, ok := byPath[p]; !ok || !errors.Is(f.Err(), want) {
			t.Errorf("%s: %+v, want %v", p, f, want)
		}
	}
	if f, ok := byPath["cut.tar"]; !ok || f.Error == "" {
		if m := byPath["cut.tar!emails.csv"]; m.Error == "" {
			t.Errorf("truncated tar not reported: %v", byPath)
		}
	}
}
