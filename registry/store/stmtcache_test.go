package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestStmtCacheSeesWrites: cached prepared reads are reset after each use,
// so they never pin an old WAL snapshot: every read after a committed
// write sees it, from every pooled connection. Past maxStmts distinct
// queries still run, unprepared, and the cache stops growing.
func TestStmtCacheSeesWrites(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.q.stmts == nil {
		t.Fatal("SQLite reads are not using the statement cache")
	}
	if _, err := db.w.Exec(`CREATE TABLE cache_probe (id INTEGER PRIMARY KEY, v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec(`INSERT INTO cache_probe (id, v) VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	const read = `SELECT v FROM cache_probe WHERE id = ?`
	for want := 1; want <= 20; want++ {
		if _, err := db.w.Exec(`UPDATE cache_probe SET v = ? WHERE id = 1`, want); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 8 { // several read connections at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				var got int
				if err := db.q.row(t.Context(), read, 1).Scan(&got); err != nil || got != want {
					t.Errorf("read %d, %v after writing %d", got, err, want)
				}
				rows, err := db.q.query(t.Context(), read, 1)
				if err != nil {
					t.Error(err)
					return
				}
				rows.Close() // closed early, unread: must still be reset
			}()
		}
		wg.Wait()
	}
	for i := range maxStmts + 20 {
		var got int
		if err := db.q.row(t.Context(), fmt.Sprintf(`SELECT v + %d FROM cache_probe WHERE id = ?`, i), 1).Scan(&got); err != nil || got != 20+i {
			t.Fatalf("query %d: %d %v", i, got, err)
		}
	}
	if n := len(db.q.stmts.m); n != maxStmts {
		t.Fatalf("cache holds %d statements, want the bound %d", n, maxStmts)
	}
}
