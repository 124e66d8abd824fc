package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// TestRespondHelpers pins what the handler helpers write: the value or the
// error shape, the ETag on success only, and nil list items as null.
func TestRespondHelpers(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	errNF := fmt.Errorf("model m: %w", registry.ErrNotFound)
	cases := []struct {
		name    string
		do      func(w http.ResponseWriter, r *http.Request)
		code    int
		etag    string
		body    string
		noCType bool
	}{
		{"respond ok", func(w http.ResponseWriter, r *http.Request) {
			s.respond(w, r, http.StatusCreated, map[string]int{"a": 1}, nil)
		}, 201, "", `{"a":1}`, false},
		{"respond err", func(w http.ResponseWriter, r *http.Request) {
			s.respond(w, r, http.StatusCreated, map[string]int{"a": 1}, errNF)
		}, 404, "", `{"error":{"code":"not_found","message":"model m: not found"}}`, false},
		{"etag ok", func(w http.ResponseWriter, r *http.Request) {
			s.respondETag(w, r, http.StatusOK, "x", 7, nil)
		}, 200, `"r7"`, `"x"`, false},
		{"etag err", func(w http.ResponseWriter, r *http.Request) {
			s.respondETag(w, r, http.StatusOK, "x", 7, errNF)
		}, 404, "", `{"error":{"code":"not_found","message":"model m: not found"}}`, false},
		{"list nil", func(w http.ResponseWriter, r *http.Request) {
			respondList[string](s, w, r, nil, "", nil)
		}, 200, "", `{"items":null}`, false},
		{"list cursor", func(w http.ResponseWriter, r *http.Request) {
			respondList(s, w, r, []string{"a"}, "c", nil)
		}, 200, "", `{"items":["a"],"next_cursor":"c"}`, false},
		{"no content", func(w http.ResponseWriter, r *http.Request) {
			s.noContent(w, r, nil)
		}, 204, "", ``, true},
		{"no content err", func(w http.ResponseWriter, r *http.Request) {
			s.noContent(w, r, errNF)
		}, 404, "", `{"error":{"code":"not_found","message":"model m: not found"}}`, false},
		{"parse err", func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set("If-Match", "bad")
			if _, ok := parse(s, w, r, ifMatch); ok {
				t.Error("parse: ok on a bad If-Match")
			}
		}, 412, "", `{"error":{"code":"precondition_failed","message":"precondition failed: If-Match bad is not an ETag of this API"}}`, false},
		{"parse ok", func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set("If-Match", `"r3"`)
			if n, ok := parse(s, w, r, ifMatch); !ok || n != 3 {
				t.Errorf("parse = %d, %v; want 3, true", n, ok)
			}
		}, 200, "", ``, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c.do(w, httptest.NewRequest("GET", "/", nil))
			if w.Code != c.code {
				t.Errorf("code %d, want %d", w.Code, c.code)
			}
			if got := w.Header().Get("ETag"); got != c.etag {
				t.Errorf("ETag %q, want %q", got, c.etag)
			}
			if got := strings.TrimSuffix(w.Body.String(), "\n"); got != c.body {
				t.Errorf("body %s, want %s", got, c.body)
			}
			if ct := w.Header().Get("Content-Type"); (ct == "") != c.noCType {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestDecodeInto(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"comment":"hi"}`))
	if v, ok := decodeInto[voteBody](s, w, r); !ok || v.Comment != "hi" {
		t.Fatalf("decodeInto = %+v, %v", v, ok)
	}
	w = httptest.NewRecorder()
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"nope":1}`))
	if _, ok := decodeInto[voteBody](s, w, r); ok || w.Code != http.StatusBadRequest {
		t.Fatalf("unknown field: ok %v, code %d", ok, w.Code)
	}
	if !strings.Contains(w.Body.String(), `"code":"invalid"`) {
		t.Errorf("body %s", w.Body.String())
	}
}
