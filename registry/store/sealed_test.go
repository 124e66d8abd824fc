package store

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateSeal = flag.Bool("update-seal", false, "rewrite the trigger part of migration 0008 from sealedTables")

const sealMarker = "-- Generated from sealedTables (registry/store/sealed.go); TestSealTriggersMigration keeps it so.\n"

// TestSealTriggersMigration: the triggers in migration 0008 are exactly
// those sealedTables describes (one place for the inventory).
func TestSealTriggersMigration(t *testing.T) {
	t.Parallel()
	for _, d := range []string{SQLite, Postgres} {
		p := filepath.Join("migrations", d, "0008_sealed_rows.sql")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(b), sealMarker)
		want := head + sealMarker + sealTriggersSQL(d)
		if *updateSeal {
			if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if string(b) != want {
			t.Errorf("%s is out of date with sealedTables: run go test ./registry/store -run TestSealTriggersMigration -update-seal", p)
		}
	}
}
