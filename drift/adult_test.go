package drift

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/internal/table"
)

func readAdult(t testing.TB, name string) *Table {
	t.Helper()
	f, err := table.ReadFrame(filepath.Join("testdata", "data", name), table.Options{TrimLeadingSpace: true, NullValues: table.PandasNullValues})
	if err != nil {
		t.Fatal(err)
	}
	return FromFrame(f)
}

// The real-data golden: UCI Adult train vs test and vs a shifted test,
// read by internal/table as pandas.read_csv(skipinitialspace=True) reads it.
func TestGoldenAdult(t *testing.T) {
	t.Parallel()
	var g struct {
		Cases []struct {
			Name, Reference, Current string
			Options                  goldenOptions
			Expected                 goldenExpected
		} `json:"cases"`
	}
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "adult.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rep, err := Compare(readAdult(t, c.Reference), readAdult(t, c.Current), c.Options.options())
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep, c.Expected)
		})
	}
}
