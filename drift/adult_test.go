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

// streamAdult reads an Adult file as the command does (ReadTable).
func streamAdult(t testing.TB, name string) *Table {
	t.Helper()
	tb, err := ReadTable(filepath.Join("testdata", "data", name), table.Options{TrimLeadingSpace: true, NullValues: table.PandasNullValues}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// The real-data golden: UCI Adult train vs test and vs a shifted test,
// read by internal/table as pandas.read_csv(skipinitialspace=True) reads it,
// through a whole frame (FromFrame) and streamed (ReadTable).
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
		for name, read := range map[string]func(testing.TB, string) *Table{"frame": readAdult, "stream": streamAdult} {
			t.Run(c.Name+"/"+name, func(t *testing.T) {
				rep, err := Compare(read(t, c.Reference), read(t, c.Current), c.Options.options())
				if err != nil {
					t.Fatal(err)
				}
				checkReport(t, rep, c.Expected)
			})
		}
	}
}
