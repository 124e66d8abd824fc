package browsertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Session is headless Chromium driven by chromedp for one test: 1280 x 900,
// sandbox off, its own profile, closed when the test ends.
type Session struct {
	// Ctx carries the browser; it ends after the timeout given to Start.
	Ctx   context.Context
	t     testing.TB
	close func()
}

// Start launches bin (from Chromium) for the rest of the test.
func Start(t testing.TB, bin string, timeout time.Duration) *Session {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, timeout)
	s := &Session{Ctx: ctx, t: t, close: sync.OnceFunc(func() { cancelTime(); cancelCtx(); cancelAlloc() })}
	t.Cleanup(s.close)
	return s
}

// Close ends the browser (Ctx is done) before the test ends, e.g. to end
// an iterator over its console.
func (s *Session) Close() { s.close() }

// Do runs actions, failing the test with what on error.
func (s *Session) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.Ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// Text returns the text content of the first element sel (CSS) matches.
func (s *Session) Text(sel string) string {
	s.t.Helper()
	v, err := chromedp.Run(s.Ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		s.t.Fatalf("read %s: %v", sel, err)
	}
	return v
}
