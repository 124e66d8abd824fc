package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mlsec/mlsec/internal/table"
)

func TestDiffFiles(t *testing.T) {
	t.Parallel()
	old := []DFile{{Path: "a.csv", SHA256: "1"}, {Path: "b.csv", SHA256: "2"}, {Path: "c.csv", SHA256: "3"}}
	cur := []DFile{{Path: "a.csv", SHA256: "1"}, {Path: "b.csv", SHA256: "9"}, {Path: "d.csv", SHA256: "4"}}
	ch, same := DiffFiles(old, cur)
	var got []string
	for _, c := range ch {
		got = append(got, c.Status+" "+c.Path)
	}
	if same != 1 || !slices.Equal(got, []string{"changed b.csv", "removed c.csv", "added d.csv"}) {
		t.Fatalf("got %v, %d unchanged", got, same)
	}
}

// TestDiffTable: one row edited, one row added, a column removed and one
// added, a column whose type changed; the drift report covers the common
// columns only.
func TestDiffTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := write("old.csv", "age,sex,zip,score\n39,Male,10001,1\n50,Female,10002,2\n38,Male,10003,3\n39,Male,10001,1\n")
	cur := write("new.csv", "age,sex,score,note\n39,Male,1,a\n50,Male,2,b\n38,Male,x,c\n39,Male,1,d\n41,Female,4,e\n")
	d, err := DiffTable(t.Context(), old, cur, "adult.csv", table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.OldRows != 4 || d.NewRows != 5 || !slices.Equal(d.ColumnsRemoved, []string{"zip"}) || !slices.Equal(d.ColumnsAdded, []string{"note"}) {
		t.Fatalf("shape: %+v", d)
	}
	// Over age, sex, score: rows 2 (sex) and 3 (score) changed, row 5 is new.
	if d.RowsAdded != 3 || d.RowsRemoved != 2 {
		t.Fatalf("rows: +%d -%d, want +3 -2", d.RowsAdded, d.RowsRemoved)
	}
	if len(d.TypeChanges) != 1 || d.TypeChanges[0] != (ColumnChange{Column: "score", Old: "integer", New: "string"}) {
		t.Fatalf("types: %+v", d.TypeChanges)
	}
	if d.Drift == nil && d.DriftError == "" {
		t.Fatal("no drift report and no reason")
	}
	if d.Drift != nil {
		for _, c := range d.Drift.Columns {
			if c.Column == "zip" || c.Column == "note" {
				t.Errorf("drift tested %s, which is not in both versions", c.Column)
			}
		}
	}
	same, err := DiffTable(t.Context(), old, old, "adult.csv", table.Options{})
	if err != nil || same.RowsAdded != 0 || same.RowsRemoved != 0 || len(same.TypeChanges) != 0 || same.Drift == nil || same.Drift.DatasetDrift {
		t.Fatalf("a table against itself: %+v %v", same, err)
	}
}
