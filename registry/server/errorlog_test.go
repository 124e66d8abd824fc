package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/syncbuf"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/store"
)

// lockedBuffer is a log sink the server's goroutines write concurrently.
type lockedBuffer struct{ syncbuf.Buffer }

// requestLog returns the level of the "request" log line with the given
// status, waiting up to 10 s for it (a client-closed request is logged
// after the client has gone).
func (l *lockedBuffer) requestLog(t *testing.T, status int) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		lines := strings.Split(l.String(), "\n")
		for _, line := range lines {
			var e struct {
				Msg, Level string
				Status     int
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "request" && e.Status == status {
				return e.Level
			}
		}
	}
	t.Fatalf("no request log line with status %d", status)
	return ""
}

// TestServerErrorsHideDetailsAndLogByLevel: a server error answers 500 with
// only "internal error (request id ID)", ID being the X-Request-Id of the
// answer, never the cause (here a closed database, whose message names
// the store); the cause goes to the log with that id for the operator. The
// request lines are logged at ERROR for a 5xx, WARN for a client that went
// away (499), INFO otherwise, so alerts on ERROR see server faults only.
func TestServerErrorsHideDetailsAndLogByLevel(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.Open(t.Context(), filepath.Join(t.TempDir(), "blobs"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewService(db)
	logs := &lockedBuffer{}
	srv := httptest.NewServer(New(Config{Service: svc, Blobs: bs, Logger: slog.New(slog.NewJSONHandler(logs, nil))}))
	t.Cleanup(srv.Close)
	_, token, err := svc.CreateToken(t.Context(), registry.Actor{Name: "admin", Role: registry.RoleAdmin}, registry.Token{Name: "m", Role: registry.RoleMaintainer})
	if err != nil {
		t.Fatal(err)
	}
	get := func() (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/models", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	if res, body := get(); res.StatusCode != http.StatusOK {
		t.Fatalf("list models: %d %s", res.StatusCode, body)
	}
	if lvl := logs.requestLog(t, 200); lvl != "INFO" {
		t.Errorf("a 200 is logged at %s, want INFO", lvl)
	}

	// A client that goes away in the middle of an upload: 499, WARN.
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "PUT /api/v1/blobs/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\nxxxx", sum([]byte("x")), token)
	time.Sleep(50 * time.Millisecond) // let the server start reading the body (any delay works; no timing is asserted)
	c.Close()
	if lvl := logs.requestLog(t, statusClientClosed); lvl != "WARN" {
		t.Errorf("a client-closed request is logged at %s, want WARN", lvl)
	}

	db.Close()
	res, body := get()
	id := res.Header.Get("X-Request-Id")
	var e errorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || res.StatusCode != http.StatusInternalServerError || id == "" {
		t.Fatalf("after the database closed: %d %q (X-Request-Id %q) %v", res.StatusCode, body, id, err)
	}
	if want := "internal error (request id " + id + ")"; e.Error.Code != "internal" || e.Error.Message != want {
		t.Errorf("500 body %s, want code internal and message %q", body, want)
	}
	if strings.Contains(strings.ToLower(body), "closed") || strings.Contains(strings.ToLower(body), "sql") {
		t.Errorf("the 500 body tells the cause: %s", body)
	}
	if lvl := logs.requestLog(t, 500); lvl != "ERROR" {
		t.Errorf("a 500 is logged at %s, want ERROR", lvl)
	}
	all := logs.String()
	found := false
	for _, line := range strings.Split(all, "\n") {
		if strings.Contains(line, `"msg":"request failed"`) && strings.Contains(line, `"request_id":"`+id+`"`) && strings.Contains(strings.ToLower(line), "closed") {
			found = true
		}
	}
	if !found {
		t.Errorf("no \"request failed\" log line with request id %s and the cause:\n%s", id, all)
	}
}

// errPages is a Pages whose Error records what a page would show.
type errPages struct {
	Pages
	code int
	err  error
}

func (p *errPages) Error(_ http.ResponseWriter, _ *http.Request, code int, err error) {
	p.code, p.err = code, err
}

// TestPageServerErrorHidesDetail is the page half: a page that fails with
// a server error shows "internal error (request id ID)" and logs the cause;
// another error (not found) is shown as it is; a server error after the
// browser went away is counted as 499 and shows nothing.
func TestPageServerErrorHidesDetail(t *testing.T) {
	logs := &lockedBuffer{}
	p := &errPages{}
	s := &Server{log: slog.New(slog.NewJSONHandler(logs, nil)), pages: p}
	r := httptest.NewRequest("GET", "/models", nil)
	r = r.WithContext(context.WithValue(r.Context(), ridKey{}, "rid-7"))
	s.failPage(httptest.NewRecorder(), r, errors.New("database is closed"))
	if p.code != http.StatusInternalServerError || p.err == nil || p.err.Error() != "internal error (request id rid-7)" {
		t.Errorf("a server error shows %d %v", p.code, p.err)
	}
	if l := logs.String(); !strings.Contains(l, `"msg":"page failed"`) || !strings.Contains(l, "database is closed") || !strings.Contains(l, `"request_id":"rid-7"`) {
		t.Errorf("the cause is not logged with the request id: %s", l)
	}
	nf := fmt.Errorf("model m: %w", registry.ErrNotFound)
	s.failPage(httptest.NewRecorder(), r, nf)
	if p.code != http.StatusNotFound || p.err != nf {
		t.Errorf("not found shows %d %v", p.code, p.err)
	}
	p.code, p.err = 0, nil
	ctx, cancel := context.WithCancel(r.Context())
	cancel()
	sw := &statusWriter{ResponseWriter: httptest.NewRecorder()}
	s.failPage(sw, r.WithContext(ctx), errors.New("database is closed"))
	if p.code != 0 || sw.code != statusClientClosed {
		t.Errorf("after the browser went away: page %d, counted %d, want nothing shown and 499", p.code, sw.code)
	}
}
