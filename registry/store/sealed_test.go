package store

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var updateSeal = flag.Bool("update-seal", false, "rewrite the trigger part of the sealing migrations from sealedTables")

const sealMarker = "-- Generated from sealedTables (registry/store/sealed.go); TestSealTriggersMigration keeps it so.\n"

// TestSealTriggersMigration: the triggers in the sealing migrations (0008,
// 0011) are exactly those sealedTables describes (one place for the
// inventory), every table but audit_events has a trigger in one of them,
// and no other migration creates a sealing trigger.
func TestSealTriggersMigration(t *testing.T) {
	t.Parallel()
	for _, st := range sealedTables {
		if !st.noTrigger && !slices.Contains(sealMigrations, st.sealedBy()) {
			t.Errorf("table %s: sealed by %q, not a sealing migration", st.name, st.sealedBy())
		}
	}
	for _, d := range []string{SQLite, Postgres} {
		all, err := os.ReadDir(filepath.Join("migrations", d))
		if err != nil {
			t.Fatal(err)
		}
		triggers := 0
		for _, f := range all {
			b, err := os.ReadFile(filepath.Join("migrations", d, f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			n := strings.Count(string(b), "CREATE TRIGGER audit_seal_")
			triggers += n
			if n > 0 && !slices.Contains(sealMigrations, strings.TrimSuffix(f.Name(), ".sql")) {
				t.Errorf("%s/%s creates sealing triggers but is not in sealMigrations", d, f.Name())
			}
		}
		want := 0
		for _, m := range sealMigrations {
			want += strings.Count(sealTriggersSQL(d, m), "CREATE TRIGGER")
		}
		if triggers != want {
			t.Errorf("%s: the migrations create %d sealing triggers, sealedTables wants %d", d, triggers, want)
		}
		for _, m := range sealMigrations {
			checkSealMigration(t, d, m)
		}
	}
}

func checkSealMigration(t *testing.T, d, m string) {
	t.Helper()
	{ // one migration file
		p := filepath.Join("migrations", d, m+".sql")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		head, _, found := strings.Cut(string(b), sealMarker)
		if !found {
			t.Errorf("%s lacks the marker line %q", p, sealMarker)
		}
		want := head + sealMarker + sealTriggersSQL(d, m)
		if *updateSeal {
			if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if string(b) != want {
			t.Errorf("%s is out of date with sealedTables: run go test ./registry/store -run TestSealTriggersMigration -update-seal", p)
		}
	}
}
