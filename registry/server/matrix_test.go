package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// The authorization matrix: every route of the routes table, for every role
// and scope (unscoped, a team, a model; each against a target inside and
// outside it), plus no token and bad tokens. A route whose scope rule,
// sample body or list marker is missing fails the test, so a new route
// cannot skip it. The expectations are written here from the rules in
// docs/registry.md, independently of the registry's own scope code.

// side is one of the two fixture worlds: team-a with model ma, team-b with
// model mb; each has a dataset, a fixture token and webhook, a pending
// request, an alias, and a ready version whose one file is its own blob.
type side struct {
	name, team, model, dataset, digest string
	request, token, webhook            int64
}

// identity is a token under test.
type identity struct {
	role        registry.Role
	team, model string
	secret      string
}

func (id identity) String() string {
	return fmt.Sprintf("%s[team=%q model=%q]", id.role, id.team, id.model)
}

// Independent statements of the scope rules.
func modelIn(id identity, s side) bool {
	return (id.team == "" || id.team == s.team) && (id.model == "" || id.model == s.model)
}
func datasetIn(id identity, s side) bool {
	return id.model == "" && (id.team == "" || id.team == s.team)
}

// ownedIn: the side's fixture token and webhook are scoped to its team.
func ownedIn(id identity, s side) bool { return id.model == "" && (id.team == "" || id.team == s.team) }

// createdIn: a token or webhook created for the side's team gets the
// creator's model scope too, so only the team has to fit.
func createdIn(id identity, s side) bool { return id.team == "" || id.team == s.team }

// samples are valid request bodies (so a refusal comes from authorization,
// not validation) for the routes that take one; side-dependent.
var samples = map[string]func(s side) any{
	"POST /api/v1/models":          func(s side) any { return map[string]any{"name": s.model, "team": s.team} },
	"PATCH /api/v1/models/{model}": func(side) any { return map[string]any{"description": "d"} },
	"POST /api/v1/models/{model}/versions": func(s side) any {
		return map[string]any{"artifacts": []map[string]any{{"path": "n.bin", "size": 1, "sha256": sum([]byte("n"))}}}
	},
	"PATCH /api/v1/models/{model}/versions/{number}":         func(side) any { return map[string]any{"stage": "staging"} },
	"POST /api/v1/models/{model}/versions/{number}/finalize": func(side) any { return nil },
	"POST /api/v1/models/{model}/versions/{number}/evidence": func(side) any { return "{}" },
	"POST /api/v1/models/{model}/versions/{number}/lineage":  func(side) any { return map[string]any{"kind": "produced_by", "target": "https://ci/1"} },
	"PATCH /api/v1/models/{model}/owners":                    func(side) any { return map[string]any{"owners": map[string]any{"train": []string{"somebody"}}} },
	"POST /api/v1/models/{model}/versions/{number}/requests": func(side) any { return map[string]any{"action": "promote", "rationale": "why"} },
	"POST /api/v1/requests/{id}/approve":                     func(side) any { return map[string]any{"comment": "c"} },
	"POST /api/v1/requests/{id}/reject":                      func(side) any { return map[string]any{"comment": "c"} },
	"POST /api/v1/models/{model}/rollback":                   func(side) any { return map[string]any{"to": 1, "reason": "r"} },
	"POST /api/v1/models/{model}/versions/{number}/records":  func(side) any { return map[string]any{"title": "t", "body": "b"} },
	"PUT /api/v1/models/{model}/aliases/{alias}":             func(side) any { return map[string]any{"version": 1} },
	"PUT /api/v1/models/{model}/profile":                     func(side) any { return map[string]any{"profile": "strict"} },
	"DELETE /api/v1/models/{model}/profile":                  func(side) any { return nil },
	"PUT /api/v1/teams/{team}/profile":                       func(side) any { return map[string]any{"profile": "strict"} },
	"DELETE /api/v1/teams/{team}/profile":                    func(side) any { return nil },
	"PUT /api/v1/blobs/{digest}":                             func(side) any { return []byte("x") },
	"POST /api/v1/datasets":                                  func(s side) any { return map[string]any{"name": s.dataset, "digest": sum([]byte("d")), "team": s.team} },
	"POST /api/v1/datasets/{name}/data-versions": func(s side) any {
		return map[string]any{"files": []map[string]any{{"path": "d.csv", "size": 1, "sha256": sum([]byte("v" + s.dataset))}}, "classification": "internal"}
	},
	"PUT /api/v1/datasets/{name}/data-versions/{number}/files/{path...}": func(s side) any { return []byte(s.dataset) },
	"POST /api/v1/datasets/{name}/data-versions/{number}/approve":        func(side) any { return map[string]any{"comment": "c"} },
	"POST /api/v1/datasets/{name}/data-versions/{number}/reject":         func(side) any { return map[string]any{"comment": "c"} },
	"POST /api/v1/tokens":        func(s side) any { return map[string]any{"role": "reviewer", "scope_team": s.team} },
	"DELETE /api/v1/tokens/{id}": func(side) any { return nil },
	"POST /api/v1/webhooks": func(s side) any {
		return map[string]any{"url": "https://new.example/h", "events": []string{"*"}, "scope_team": s.team}
	},
	"DELETE /api/v1/webhooks/{id}": func(side) any { return nil },
	"POST /api/v1/ui/login-links":  func(side) any { return nil },
}

// publicCodes: public routes that answer a request without a body other
// than 200. The SSO exchange is authenticated by the ID token in its body
// (sso_test.go tests it).
var publicCodes = map[string]int{"POST /api/v1/auth/oidc/exchange": 400}

// checkSelfRevoke: DELETE /api/v1/auth/token revokes the token that calls
// it, whatever its role and scope, and nothing else; each identity uses a
// copy of its token (its own stays for the routes after this one).
func checkSelfRevoke(t *testing.T, e *secEnv, rt route, ids []identity) {
	t.Helper()
	for i, id := range ids {
		cp := e.token(t, fmt.Sprintf("self-revoke-%d", i), id.role, id.team, id.model)
		if r := e.do(t, cp, rt.method, rt.path, nil); r.code != 204 {
			t.Errorf("%s as %s: %d %s, want 204", rt.path, id, r.code, r.body)
		}
		if r := e.do(t, cp, "GET", "/api/v1/models", nil); r.code != 401 {
			t.Errorf("%s as %s: the revoked copy still works (%d)", rt.path, id, r.code)
		}
		if r := e.do(t, id.secret, "GET", "/api/v1/models", nil); r.code != 200 {
			t.Errorf("%s as %s: revoked the identity's other token too (%d)", rt.path, id, r.code)
		}
	}
	for _, tok := range []string{"", "not-a-token"} {
		if r := e.do(t, tok, rt.method, rt.path, nil); r.code != 401 {
			t.Errorf("%s with token %q: %d, want 401", rt.path, tok, r.code)
		}
	}
}

// listMarkers: for each list route, the text an item of a side shows, and
// whether an identity may see that side's items.
var listMarkers = map[string]struct {
	marker  func(s side) string
	visible func(id identity, s side) bool
}{
	"GET /api/v1/models":   {func(s side) string { return `"name":"` + s.model + `"` }, modelIn},
	"GET /api/v1/datasets": {func(s side) string { return `"name":"` + s.dataset + `"` }, datasetIn},
	"GET /api/v1/tokens":   {func(s side) string { return `"name":"fixture-` + s.name + `"` }, ownedIn},
	"GET /api/v1/webhooks": {func(s side) string { return `"url":"https://` + s.name + `.example/hook"` }, ownedIn},
	"GET /api/v1/audit":    {func(s side) string { return `"subject":"model/` + s.model + `"` }, modelIn},
}

// matrixFixtures builds both sides and the identities.
func matrixFixtures(t *testing.T, e *secEnv) ([]side, []identity) {
	t.Helper()
	ctx := t.Context()
	svc := e.svc
	root, err := svc.Authenticate(ctx, e.tokens[registry.RoleAdmin])
	if err != nil {
		t.Fatal(err)
	}
	sides := []side{{name: "a", team: "team-a", model: "ma", dataset: "ds-a"}, {name: "b", team: "team-b", model: "mb", dataset: "ds-b"}}
	for i := range sides {
		s := &sides[i]
		if _, err := svc.CreateModel(ctx, root, registry.Model{Name: s.model, Team: s.team}); err != nil {
			t.Fatal(err)
		}
		data := []byte("weights of " + s.model)
		s.digest = sum(data)
		e.push(t, e.tokens[registry.RoleAdmin], s.model, map[string][]byte{"w.bin": data})
		if _, err := svc.CreateDataset(ctx, root, registry.Dataset{Name: s.dataset, Digest: sum([]byte(s.dataset)), Team: s.team}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RegisterDatasetVersion(ctx, root, s.dataset, registry.NewDatasetVersion{Classification: "internal",
			// w.bin: the {path...} the matrix requests; its bytes are the dataset's name.
			Files: []registry.DatasetFile{{Path: "w.bin", Size: int64(len(s.dataset)), SHA256: sum([]byte(s.dataset))}}}); err != nil {
			t.Fatal(err)
		}
		tok, _, err := svc.CreateToken(ctx, root, registry.Token{Name: "fixture-" + s.name, Role: registry.RoleReviewer, ScopeTeam: s.team})
		if err != nil {
			t.Fatal(err)
		}
		s.token = tok.ID
		w, err := svc.CreateWebhook(ctx, root, registry.NewWebhook{URL: "https://" + s.name + ".example/hook", Events: []string{"*"}, ScopeTeam: s.team})
		if err != nil {
			t.Fatal(err)
		}
		s.webhook = w.ID
		if _, err := svc.SetGovernance(ctx, root, s.model, registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
			registry.RespApprove: {"role:admin"}}}); err != nil {
			t.Fatal(err)
		}
		d, err := svc.RequestDecision(ctx, registry.Actor{Name: "requester", Role: registry.RoleMaintainer}, s.model, 1,
			registry.NewRequest{Action: registry.ActionPromote, Rationale: "fixture"})
		if err != nil {
			t.Fatal(err)
		}
		s.request = d.ID
		if _, _, err := svc.SetAlias(ctx, root, s.model, "champ", registry.AliasPut{Version: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []identity
	for _, role := range []registry.Role{registry.RoleAdmin, registry.RoleMaintainer, registry.RoleReviewer, registry.RoleAuditor} {
		for _, sc := range []struct{ team, model string }{{"", ""}, {"team-a", ""}, {"team-b", ""}, {"", "ma"}, {"", "mb"}} {
			name := fmt.Sprintf("%s-%s%s", role, orAll(sc.team), sc.model)
			_, secret, err := svc.CreateToken(ctx, root, registry.Token{Name: name, Role: role, ScopeTeam: sc.team, ScopeModel: sc.model})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, identity{role: role, team: sc.team, model: sc.model, secret: secret})
		}
	}
	return sides, ids
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

// fill puts a side's fixtures into a route path.
func fill(rt route, s side) string {
	id := s.request
	switch {
	case strings.HasPrefix(rt.path, "/api/v1/tokens/"):
		id = s.token
	case strings.HasPrefix(rt.path, "/api/v1/webhooks/"):
		id = s.webhook
	}
	p := strings.NewReplacer("{model}", s.model, "{number}", "1", "{path...}", "w.bin", "{digest}", s.digest, "{name}", s.dataset,
		"{id}", fmt.Sprint(id), "{alias}", "champ", "{team}", s.team).Replace(rt.path)
	if rt.method == "PUT" && rt.path == "/api/v1/blobs/{digest}" {
		p = "/api/v1/blobs/" + sum([]byte("x"))
	}
	switch rt.method + " " + rt.path {
	case "GET /api/v1/audit", "GET /api/v1/models", "GET /api/v1/tokens", "GET /api/v1/datasets":
		p += "?limit=500"
	case "GET /api/v1/audit/log/proof/inclusion":
		p += "?index=0"
	case "GET /api/v1/audit/log/proof/consistency":
		p += "?from=1"
	}
	return p
}

// outcome classifies a response as the authorization layer sees it.
func outcome(r resp) string {
	switch {
	case r.code == 401:
		return "unauthenticated"
	case r.code == 403 && strings.Contains(string(r.body), "may not do this"):
		return "role"
	case r.code == 403 && strings.Contains(string(r.body), "scope"):
		return "scope"
	case r.code >= 500:
		return "error"
	}
	return "passed"
}

func TestAuthorizationMatrix(t *testing.T) {
	secDialects(t, func(t *testing.T, e *secEnv) {
		sides, ids := matrixFixtures(t, e)
		for _, rt := range routes {
			name := rt.method + " " + rt.path
			if rt.page {
				continue // TestPageAuthorizationMatrix
			}
			if rt.scope == scopeUnset {
				t.Errorf("%s declares no scope rule (routes.go)", name)
				continue
			}
			if rt.public {
				want, ok := publicCodes[name]
				if !ok {
					want = 200
				}
				if r := e.do(t, "", rt.method, rt.path, nil); r.code != want {
					t.Errorf("public %s: %d, want %d", name, r.code, want)
				}
				continue
			}
			if name == "DELETE /api/v1/auth/token" {
				checkSelfRevoke(t, e, rt, ids)
				continue
			}
			body, hasBody := samples[name]
			if !hasBody && rt.method != "GET" && rt.method != "HEAD" {
				t.Errorf("%s has no sample body in matrix_test.go", name)
				continue
			}
			if !hasBody {
				body = func(side) any { return nil }
			}
			lm, isList := listMarkers[name]
			if rt.scope == scopeList && !isList {
				t.Errorf("list %s has no marker in matrix_test.go", name)
				continue
			}
			for _, tok := range []string{"", "mlsec_0000", "not-a-token", registry.TokenPrefix + strings.Repeat("0", 64)} {
				if r := e.do(t, tok, rt.method, fill(rt, sides[0]), body(sides[0])); r.code != 401 {
					t.Errorf("%s with token %q: %d, want 401", name, tok, r.code)
				}
			}
			for _, id := range ids {
				for _, s := range sides {
					checkCell(t, e, rt, id, s, body(s), lm.marker, lm.visible)
				}
			}
		}
	})
}

// checkCell sends one request and checks its outcome against the rules.
func checkCell(t *testing.T, e *secEnv, rt route, id identity, s side, body any, marker func(side) string, visible func(identity, side) bool) {
	t.Helper()
	name := rt.method + " " + rt.path
	hdr := []string{"If-Match", `"r1"`}
	if rt.path == "/api/v1/models/{model}/versions/{number}" && rt.method == "PATCH" {
		hdr = []string{"If-Match", `"r2"`}
	}
	r := e.do(t, id.secret, rt.method, fill(rt, s), body, hdr...)
	got := outcome(r)
	if !(registry.Actor{Role: id.role}).Can(rt.perm) {
		if r.code != 403 || (rt.method != "HEAD" && got != "role") {
			t.Errorf("%s as %s on %s: %d %s, want 403 for the role", name, id, s.name, r.code, r.body)
		}
		return
	}
	want := true
	switch rt.scope {
	case scopeModel:
		want = modelIn(id, s)
	case scopeDataset:
		want = datasetIn(id, s)
	case scopeOwned:
		want = ownedIn(id, s)
		if rt.method == "POST" {
			want = createdIn(id, s)
		}
	case scopeWhole:
		want = id.team == "" && id.model == ""
	case scopeTeam:
		// The team (a model's team) as a whole: a model-scoped token is
		// outside it even for its own model.
		want = id.model == "" && (id.team == "" || id.team == s.team)
	case scopeBlob:
		// Held (in a ready version the token can read) or nothing at all.
		if code := map[bool]int{true: 200, false: 404}[modelIn(id, s)]; r.code != code {
			t.Errorf("%s as %s on %s: %d, want %d", name, id, s.name, r.code, code)
		}
		return
	case scopeList:
		if got != "passed" || r.code != 200 {
			t.Errorf("%s as %s: %d %s", name, id, r.code, r.body)
			return
		}
		for _, x := range []side{{name: "a", team: "team-a", model: "ma", dataset: "ds-a"}, {name: "b", team: "team-b", model: "mb", dataset: "ds-b"}} {
			if shown := strings.Contains(string(r.body), marker(x)); shown != visible(id, x) {
				t.Errorf("%s as %s: side %s shown=%v, want %v", name, id, x.name, shown, visible(id, x))
			}
		}
		return
	}
	switch {
	case want && got != "passed":
		t.Errorf("%s as %s on %s: %d %s, want it past authorization", name, id, s.name, r.code, r.body)
	case !want && got != "scope":
		t.Errorf("%s as %s on %s: %d %s, want 403 for the scope", name, id, s.name, r.code, r.body)
	}
}
