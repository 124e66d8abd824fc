package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// TestDatasetPushAttacks: the bytes of a pushed dataset version (mlsec
// data push / pull) go only where the manifest and the token allow.
// Another team's token can neither upload nor download them; bytes that
// are not the manifest's (other content, other length) are refused with
// 422 and nothing is stored; a path the manifest does not list (path
// traversal included) is refused; a file over the blob store's limit is
// 413; a version registered without its bytes answers 404 saying so; the
// pushed bytes come back verified. SQLite and PostgreSQL.
func TestDatasetPushAttacks(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		adm := e.tokens[registry.RoleAdmin]
		maintA := e.token(t, "maint-a", registry.RoleMaintainer, "team-a", "")
		maintB := e.token(t, "maint-b", registry.RoleMaintainer, "team-b", "")
		readB := e.token(t, "read-b", registry.RoleReviewer, "team-b", "")
		rows := []byte("age,sex\n39,Male\n50,Female\n")
		big := bytes.Repeat([]byte("x"), 1<<20+1) // over the test blob store's 1 MiB limit
		e.must(t, 201, maintA, "POST", "/api/v1/datasets/adult/data-versions", map[string]any{"team": "team-a", "classification": "internal",
			"files": []map[string]any{{"path": "adult.csv", "size": len(rows), "sha256": sum(rows)}, {"path": "sub/big.bin", "size": len(big), "sha256": sum(big)}}})
		base := "/api/v1/datasets/adult/data-versions/1/files/"

		// Before any upload: pulling says the bytes are not in the registry.
		if r := e.do(t, maintA, "GET", base+"adult.csv", nil); r.code != 404 || !strings.Contains(string(r.body), "registered without its bytes") {
			t.Errorf("pull before push: %d %s", r.code, r.body)
		}
		// Another team's tokens: refused for the scope, nothing stored.
		for _, tok := range []string{maintB, readB} {
			if r := e.do(t, tok, "PUT", base+"adult.csv", rows); r.code != 403 {
				t.Errorf("other team's push: %d %s", r.code, r.body)
			}
		}
		// Wrong content of the right length, and the right content cut short.
		forged := bytes.ToUpper(rows)
		for what, body := range map[string][]byte{"other content": forged, "short": rows[:5]} {
			if r := e.do(t, maintA, "PUT", base+"adult.csv", body); r.code != 422 || errCode(t, r) != "digest_mismatch" {
				t.Errorf("%s: %d %s", what, r.code, r.body)
			}
		}
		if r := e.do(t, adm, "GET", base+"adult.csv", nil); r.code != 404 {
			t.Errorf("after refused uploads the bytes are there: %d", r.code)
		}
		if ok, _ := e.blobs.Exists(t.Context(), sum(forged)); ok {
			t.Error("the forged bytes were stored")
		}
		// Paths the manifest does not list, traversal included.
		for _, p := range []string{"other.csv", "..%2F..%2Fetc%2Fpasswd", "sub%2F..%2F..%2Fadult.csv", "%2Fadult.csv"} {
			if r := e.do(t, maintA, "PUT", base+p, rows); r.code < 400 || r.code == 500 {
				t.Errorf("path %s: %d %s", p, r.code, r.body)
			}
		}
		// Over the blob store's limit.
		if r := e.do(t, maintA, "PUT", base+"sub/big.bin", big); r.code != 413 {
			t.Errorf("oversize: %d %s", r.code, r.body)
		}
		// A version over the push limit (its manifest only: no byte is sent).
		e.must(t, 201, maintA, "POST", "/api/v1/datasets/huge/data-versions", map[string]any{"team": "team-a", "classification": "internal",
			"files": []map[string]any{{"path": "all.bin", "size": registry.MaxPushedDataset + 1, "sha256": sum([]byte("huge"))}}})
		if r := e.do(t, maintA, "PUT", "/api/v1/datasets/huge/data-versions/1/files/all.bin", []byte("huge")); r.code != 413 || !strings.Contains(string(r.body), "mlsec data register") {
			t.Errorf("over the push limit: %d %s", r.code, r.body)
		}
		// The real bytes: stored, and read back by the team (not by others).
		if r := e.do(t, maintA, "PUT", base+"adult.csv", rows); r.code != 201 && r.code != 200 {
			t.Fatalf("push: %d %s", r.code, r.body)
		}
		r := e.do(t, readB, "GET", base+"adult.csv", nil)
		if r.code != 403 {
			t.Errorf("other team's pull: %d %s", r.code, r.body)
		}
		readA := e.token(t, "read-a", registry.RoleReviewer, "team-a", "")
		r = e.do(t, readA, "GET", base+"adult.csv", nil)
		if r.code != 200 || !bytes.Equal(r.body, rows) || r.hdr.Get("X-Content-SHA256") != sum(rows) {
			t.Errorf("pull: %d %q %s", r.code, r.body, r.hdr.Get("X-Content-SHA256"))
		}
		// A reviewer may read but not upload.
		if r := e.do(t, readA, "PUT", base+"adult.csv", rows); r.code != 403 {
			t.Errorf("reviewer push: %d", r.code)
		}
	})
}
