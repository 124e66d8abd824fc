package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// get fetches a page with the session cookie and returns its body.
func get(t *testing.T, base, cookie, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Cookie", cookie)
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var (
	rowModel = regexp.MustCompile(`data-model="([^"]+)"`)
	nextLink = regexp.MustCompile(`href="(/models\?[^"]+)" rel="next"`)
)

// Searching by name and following "Next page" shows every match once.
func TestModelSearchPages(t *testing.T) {
	s := newRegistryServer(t)
	ctx := context.Background()
	root, err := s.svc.Authenticate(ctx, s.admin)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := range 130 {
		name := fmt.Sprintf("m%03d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("churn-%03d", i)
			want[name] = true
		}
		if _, err := s.svc.CreateModel(ctx, root, registry.Model{Name: name, Team: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	cookie := signInCookie(t, s.url, s.admin)
	seen := map[string]int{}
	path, pages := "/models?q=CHURN", 0
	for path != "" {
		pages++
		code, body := get(t, s.url, cookie, strings.ReplaceAll(path, "&amp;", "&"))
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		rows := rowModel.FindAllStringSubmatch(body, -1)
		if len(rows) > 25 {
			t.Errorf("%s: %d rows, over a page", path, len(rows))
		}
		for _, m := range rows {
			seen[m[1]]++
		}
		path = ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			path = m[1]
		}
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != len(want) {
		t.Errorf("saw %d models, want %d", len(seen), len(want))
	}
	for name, n := range seen {
		if !want[name] || n != 1 {
			t.Errorf("%s shown %d times (match: %v)", name, n, want[name])
		}
	}
	if pages != 2 {
		t.Errorf("%d pages for %d matches", pages, len(want))
	}
}

// Pages escape what the registry stores: a model description with markup
// stays text.
func TestPagesEscape(t *testing.T) {
	s := newRegistryServer(t)
	s.api(t, s.admin, "POST", "/api/v1/models", map[string]any{"name": "m", "team": "t", "description": `<script>alert(1)</script><img src=x onerror=alert(2)>`})
	code, body := get(t, s.url, signInCookie(t, s.url, s.admin), "/models/m")
	if code != 200 {
		t.Fatalf("%d", code)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Error("stored markup is rendered as HTML")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the description is not shown as text")
	}
}

// The datasets page lists the versions trained on each dataset, only of
// models the reader may see: team-a's reader sees team-a's version that
// used its dataset, never team-b's (an attack on the lineage lookup).
func TestDatasetsPageStaysInScope(t *testing.T) {
	s := newRegistryServer(t)
	data := sum([]byte("shared rows"))
	s.api(t, s.admin, "POST", "/api/v1/datasets", map[string]any{"name": "shared", "digest": data, "team": "team-a"})
	for _, m := range []struct{ name, team string }{{"ma", "team-a"}, {"mb", "team-b"}} {
		s.api(t, s.admin, "POST", "/api/v1/models", map[string]any{"name": m.name, "team": m.team})
		s.pushVersion(t, s.admin, m.name, map[string][]byte{"w.bin": []byte("weights of " + m.name)})
		s.api(t, s.admin, "POST", "/api/v1/models/"+m.name+"/versions/1/lineage", map[string]any{"kind": "trained_on", "target": data})
	}
	var ct registry.CreatedToken
	json.Unmarshal(s.api(t, s.admin, "POST", "/api/v1/tokens", map[string]any{"name": "reader-a", "role": "reviewer", "scope_team": "team-a"}), &ct)
	for who, want := range map[string][]string{ct.Secret: {"ma v1"}, s.admin: {"ma v1", "mb v1"}} {
		code, body := get(t, s.url, signInCookie(t, s.url, who), "/datasets")
		if code != 200 {
			t.Fatalf("%d", code)
		}
		for _, m := range []string{"ma v1", "mb v1"} {
			if got := strings.Contains(body, ">"+m+"</a>"); got != slices.Contains(want, m) {
				t.Errorf("token for %v: %s shown %v", want, m, got)
			}
		}
	}
}

// The datasets page shows each dataset's newest registered version with its
// classification, approval state and the personal data its scan found, so
// a reviewer sees what a model is built on without the API.
func TestDatasetsPageShowsRegisteredData(t *testing.T) {
	s := newRegistryServer(t)
	s.api(t, s.admin, "POST", "/api/v1/datasets", map[string]any{"name": "adult", "digest": sum([]byte("rows")), "team": "team-a"})
	for i, class := range []string{"internal", "confidential"} {
		s.api(t, s.admin, "POST", "/api/v1/datasets/adult/data-versions", map[string]any{
			"files":          []map[string]any{{"path": "adult.csv", "size": 10 + i, "sha256": sum([]byte{byte(i)})}},
			"classification": class,
			"pii":            map[string]any{"rows": 100, "files": 1, "complete": true, "columns": []any{}, "entities": map[string]int{"EMAIL_ADDRESS": 3, "PHONE_NUMBER": 12}},
		})
	}
	s.api(t, s.admin, "POST", "/api/v1/datasets", map[string]any{"name": "bare", "digest": sum([]byte("bare")), "team": "team-a"})
	code, body := get(t, s.url, signInCookie(t, s.url, s.admin), "/datasets")
	if code != 200 {
		t.Fatalf("%d", code)
	}
	row := func(name string) string {
		i := strings.Index(body, `data-dataset="`+name+`"`)
		if i < 0 {
			t.Fatalf("no row for %s", name)
		}
		return body[i : i+strings.Index(body[i:], "</tr>")]
	}
	adult := row("adult")
	for _, want := range []string{"version 2", `class="classification">confidential<`, `dataset-status pending`, "EMAIL_ADDRESS (3), PHONE_NUMBER (12)"} {
		if !strings.Contains(adult, want) {
			t.Errorf("adult row lacks %q:\n%s", want, adult)
		}
	}
	if strings.Contains(adult, ">internal<") {
		t.Errorf("adult row shows the older version's classification:\n%s", adult)
	}
	if b := row("bare"); !strings.Contains(b, "no version registered") {
		t.Errorf("bare row:\n%s", b)
	}
}

// The version page answers "what data is this version built on, and who
// approved it?": each trained_on dataset with its classification, who
// approved it and when, the personal data found; unregistered and
// unapproved data stand out; a dataset of another team shows only its
// registration and approval to a reader of this team.
func TestVersionPageShowsTrainingData(t *testing.T) {
	s := newRegistryServer(t)
	reg := func(name, team, rows string) string {
		var v registry.DatasetVersion
		json.Unmarshal(s.api(t, s.admin, "POST", "/api/v1/datasets/"+name+"/data-versions", map[string]any{
			"team": team, "owner": "bob", "files": []map[string]any{{"path": "d.csv", "size": len(rows), "sha256": sum([]byte(rows))}},
			"classification": "confidential",
			"pii":            map[string]any{"rows": 3, "files": 1, "complete": true, "columns": []any{}, "entities": map[string]int{"EMAIL_ADDRESS": 3}},
		}), &v)
		return v.Digest
	}
	approved, pending, other := reg("adult", "team-a", "rows"), reg("adult", "team-a", "rows, one changed"), reg("secret-b", "team-b", "b rows")
	bob := s.token(t, "bob", "reviewer")
	s.api(t, bob, "POST", "/api/v1/datasets/adult/data-versions/1/approve", map[string]any{"comment": "ok"})
	s.api(t, s.admin, "POST", "/api/v1/models", map[string]any{"name": "m", "team": "team-a"})
	s.pushVersion(t, s.admin, "m", map[string][]byte{"w.bin": []byte("weights")})
	unregistered := sum([]byte("nobody registered this"))
	for _, d := range []string{approved, pending, other, unregistered} {
		s.api(t, s.admin, "POST", "/api/v1/models/m/versions/1/lineage", map[string]any{"kind": "trained_on", "target": d})
	}
	var ct registry.CreatedToken
	json.Unmarshal(s.api(t, s.admin, "POST", "/api/v1/tokens", map[string]any{"name": "reader-a", "role": "reviewer", "scope_team": "team-a"}), &ct)
	code, body := get(t, s.url, signInCookie(t, s.url, ct.Secret), "/models/m/versions/1")
	if code != 200 {
		t.Fatalf("%d", code)
	}
	// A dataset's rows: from its data-digest to the next dataset's.
	row := func(digest string) string {
		i := strings.Index(body, `<tr data-digest="`+digest+`"`)
		if i < 0 {
			t.Fatalf("no row for %s:\n%s", digest, body)
		}
		r := body[i:]
		r = r[:strings.Index(r, "</tbody>")]
		if j := strings.Index(r[1:], "<tr data-digest="); j >= 0 {
			r = r[:j+1]
		}
		return r
	}
	for digest, want := range map[string][]string{
		approved:     {"adult version 1", "confidential", "approved by bob on ", "EMAIL_ADDRESS (3 values)", "result ok"},
		pending:      {"adult version 2", "waiting for approval", "Needs attention:</strong> Not approved: the approval of this data version is still pending."},
		other:        {"a registered dataset outside your scope", "waiting for approval"},
		unregistered: {"not registered", "Needs attention:</strong> Not registered"},
	} {
		r := row(digest)
		for _, w := range want {
			if !strings.Contains(r, w) {
				t.Errorf("%s: row lacks %q:\n%s", digest[:8], w, r)
			}
		}
		if strings.Contains(r, "Needs attention") == strings.Contains(r, "result ok") {
			t.Errorf("%s: attention and ok both or neither:\n%s", digest[:8], r)
		}
	}
	if strings.Contains(body, "secret-b") {
		t.Error("the page names another team's dataset")
	}
}
