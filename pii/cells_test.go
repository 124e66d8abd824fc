package pii_test

import (
	"testing"
	"unsafe"

	"github.com/mlsec/mlsec/internal/cputime"
	"github.com/mlsec/mlsec/pii"
)

func TestCellScanner(t *testing.T) {
	t.Parallel()
	cs := defaultAnalyzer.NewCellScanner()
	rows := [][2]string{
		{"ana@example.com", "email"}, {"bob@example.org", "email"}, {"n/a", "email"},
		{"536904399", "ssn"}, // bare digits: reported thanks to the column name
		{"42", "age"}, {"yes", "consent"},
		{"Call 212-736-5000 or mail x@example.com", "notes"},
	}
	for _, r := range rows {
		cs.Scan(r[0], r[1])
	}
	n, with := cs.Cells()
	if n != 7 || with != 4 {
		t.Errorf("cells %d with %d", n, with)
	}
	want := []pii.EntityCount{{Entity: pii.Email, Spans: 3, Cells: 3}, {Entity: pii.Phone, Spans: 1, Cells: 1}, {Entity: pii.USSSN, Spans: 1, Cells: 1}}
	got := cs.Counts()
	if len(got) != len(want) {
		t.Fatalf("counts %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("counts %+v, want %+v", got, want)
		}
	}
	cs.Reset()
	if n, _ := cs.Cells(); n != 0 || len(cs.Counts()) != 0 {
		t.Error("reset")
	}
}

func BenchmarkCells(b *testing.B) {
	cells := []string{"42", "yes", "2024-03-01", "ana@example.com", "Springfield", "536904399", "12.5", "Private", "Never-married", "United-States"}
	cs := defaultAnalyzer.NewCellScanner()
	n := 0
	for _, c := range cells {
		n += len(c)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		for _, c := range cells {
			cs.Scan(c, "col")
		}
	}
	reportCPURate(b, int64(n), cpu0)
}

// TestCellScannerCachesCleanValuesOnly: a clean value is answered from the
// cache the second time in the same column (not in another column, whose
// name is context), and a value holding personal data is analysed every
// time, so the scanner never keeps it.
func TestCellScannerCachesCleanValuesOnly(t *testing.T) {
	t.Parallel()
	a, err := pii.New()
	if err != nil {
		t.Fatal(err)
	}
	c := a.NewCellScanner()
	buf := []byte("order 12345")
	cell := unsafe.String(&buf[0], len(buf)) // a caller reusing its buffer
	steps := []struct {
		cell, column string
		cached       bool
		spans        int
	}{
		{cell, "note", false, 0},
		{"order 12345", "note", true, 0},
		{"order 12345", "comment", false, 0},
		{"ana.lopez@example.com", "note", false, 1},
		{"ana.lopez@example.com", "note", false, 1},
	}
	for i, s := range steps {
		got := c.Scan(s.cell, s.column)
		if len(got) != s.spans || c.Cached() != s.cached {
			t.Errorf("step %d: %d spans, cached %v; want %d, %v", i, len(got), c.Cached(), s.spans, s.cached)
		}
		if i == 0 {
			copy(buf, "xxxxx xxxxx") // the cache must not see this
		}
	}
	if n, with := c.Cells(); n != 5 || with != 2 {
		t.Errorf("Cells() = %d, %d; want 5, 2", n, with)
	}
	if got := c.Counts(); len(got) != 1 || got[0].Spans != 2 || got[0].Cells != 2 {
		t.Errorf("Counts() = %+v", got)
	}
}
