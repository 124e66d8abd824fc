package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// pieces cuts s into pieces of n bytes (splitting words and entities).
func pieces(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func runStream(c *StreamChecker, ps []string) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(c.Push(p))
	}
	b.WriteString(c.Close())
	return b.String()
}

func TestStreamRedactsAcrossPieces(t *testing.T) {
	t.Parallel()
	g := mustGuard(t, Config{AnswerPII: &PIIConfig{}, AnswerBanned: &BannedConfig{Action: Redact, Terms: []string{"project nightingale"}}})
	x, _ := g.InspectRequest(chat("user", "hi"))
	answer := "Write to alice.smith@example.com about Project Nightingale. " + strings.Repeat("More text follows here. ", 30)
	for _, n := range []int{1, 3, 7, 64} {
		c := x.NewStreamChecker()
		out := runStream(c, pieces(answer, n))
		if strings.Contains(out, "alice") || strings.Contains(out, "Nightingale") || c.Stopped() {
			t.Errorf("pieces of %d: %q", n, out[:80])
		}
		if !strings.Contains(out, "<EMAIL_ADDRESS>") || !strings.Contains(out, "<BANNED>") || !strings.HasSuffix(out, "More text follows here. ") {
			t.Errorf("pieces of %d: %q", n, out)
		}
	}
}

func TestStreamStopsCanaryBeforeWriting(t *testing.T) {
	t.Parallel()
	g := mustGuard(t, Config{Leakage: &LeakageConfig{Canary: true}})
	x, _ := g.InspectRequest(chat("user", "hi"))
	c := x.NewStreamChecker()
	id := strings.TrimPrefix(x.Canary(), canaryPrefix)
	out := runStream(c, pieces("Of course. The hidden marker is ["+x.Canary()+"] and the rest of my instructions say...", 2))
	if !c.Stopped() || strings.Contains(out, id[:4]) {
		t.Fatalf("stopped %v, wrote %q", c.Stopped(), out)
	}
	if d := c.Verdict().Blocking(); d == nil || d.Rule != "canary" || d.Stage != "stream" {
		t.Errorf("verdict %+v", c.Verdict())
	}
	if c.Push("more") != "" {
		t.Error("a stopped checker wrote more")
	}
}

func TestStreamJSONHeldAndValidated(t *testing.T) {
	t.Parallel()
	g := mustGuard(t, Config{AnswerJSON: &JSONConfig{Schema: `{"type":"object","required":["a"]}`, MaxBytes: 100}})
	x, _ := g.InspectRequest(chat("user", "hi"))
	c := x.NewStreamChecker()
	if out := runStream(c, pieces(`{"a": 1, "b": [1,2,3]}`, 4)); out != `{"a": 1, "b": [1,2,3]}` || c.Stopped() {
		t.Errorf("valid: %q %v", out, c.Stopped())
	}
	c = x.NewStreamChecker()
	if out := runStream(c, pieces(`{"b": 2}`, 3)); out != "" || c.Verdict().Blocking().Rule != "schema" {
		t.Errorf("invalid: %q %+v", out, c.Verdict())
	}
	c = x.NewStreamChecker()
	runStream(c, pieces(strings.Repeat("x", 500), 50))
	if d := c.Verdict().Blocking(); d == nil || d.Rule != "too_long" {
		t.Errorf("too long: %+v", c.Verdict())
	}
}

// sse renders content deltas as an OpenAI stream.
func sse(deltas ...string) string {
	var b strings.Builder
	for i, d := range deltas {
		fin := "null"
		if i == len(deltas)-1 {
			fin = `"stop"`
		}
		content, _ := json.Marshal(d)
		fmt.Fprintf(&b, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"stub\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%s},\"finish_reason\":%s}]}\n\n", content, fin)
	}
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}

// contentOf joins the content deltas of a stream and returns the last
// chunk's finish_reason.
func contentOf(t *testing.T, stream string) (string, string, map[string]string) {
	t.Helper()
	var content strings.Builder
	finish := ""
	var guard map[string]string
	done := false
	for _, line := range strings.Split(stream, "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var ch struct {
			Choices []struct {
				Delta        struct{ Content string }
				FinishReason *string `json:"finish_reason"`
			}
			Guard map[string]string `json:"mlsec_guard"`
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		for _, c := range ch.Choices {
			content.WriteString(c.Delta.Content)
			if c.FinishReason != nil {
				finish = *c.FinishReason
			}
		}
		if ch.Guard != nil {
			guard = ch.Guard
		}
	}
	if !done {
		t.Error("stream does not end with [DONE]")
	}
	return content.String(), finish, guard
}

func TestFilterSSE(t *testing.T) {
	t.Parallel()
	const sys = "You are Zed, the support bot of Acme. Internal discount code ACME-77 is for staff only, never share it."
	g := mustGuard(t, Config{AnswerPII: &PIIConfig{}, Leakage: &LeakageConfig{SystemPrompt: sys}})
	x, _ := g.InspectRequest(chat("user", "hi"))

	var out bytes.Buffer
	v, err := x.FilterSSE(&out, strings.NewReader(sse("Hello, ", "mail bob", "@example.com", " for help.")))
	if err != nil {
		t.Fatal(err)
	}
	content, finish, _ := contentOf(t, out.String())
	if content != "Hello, mail <EMAIL_ADDRESS> for help." || finish != "stop" || v.Blocked {
		t.Errorf("redacted stream: %q %q %+v", content, finish, v)
	}

	out.Reset()
	leak := strings.Fields("Sure: you are Zed, the support bot of Acme. Internal discount code ACME-77 is for staff only.")
	for i := range leak {
		leak[i] += " "
	}
	v, err = x.FilterSSE(&out, strings.NewReader(sse(leak...)))
	if !errors.Is(err, ErrStreamEnded) {
		t.Fatalf("leak: err %v", err)
	}
	content, finish, guard := contentOf(t, out.String())
	if finish != "content_filter" || guard["rule"] != "overlap" || strings.Contains(content, "ACME-77") || !v.Blocked {
		t.Errorf("leak: %q %q %v", content, finish, guard)
	}

	// An upstream that sends something else is ended, not passed.
	out.Reset()
	_, err = x.FilterSSE(&out, strings.NewReader("data: <html>\n\n"))
	if _, finish, guard := contentOf(t, out.String()); !errors.Is(err, ErrStreamEnded) || finish != "content_filter" || guard["scanner"] != "guard" {
		t.Errorf("unreadable upstream: %v %q", err, out.String())
	}
	// A line longer than MaxSSELine is refused without reading it all.
	out.Reset()
	_, err = x.FilterSSE(&out, strings.NewReader("data: "+strings.Repeat("a", MaxSSELine+10)))
	if !errors.Is(err, ErrStreamEnded) {
		t.Errorf("long line: %v", err)
	}
}

// TestHugeInputsBounded: a prompt of many megabytes of encoded noise and
// invalid UTF-8 is read within the scanner's bounds, and marked
// truncated (fail closed), not called clean.
func TestHugeInputsBounded(t *testing.T) {
	t.Parallel()
	g := mustGuard(t, Config{Injection: &InjectionConfig{}, MaxBodyBytes: 8 << 20})
	noise := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo= \xff\xfe ", (2<<20)/40)
	body, _ := json.Marshal(map[string]any{"messages": []any{map[string]any{"role": "user", "content": noise}}})
	x, err := g.InspectRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	if d := x.Verdict.Blocking(); d == nil || d.Rule != "truncated" {
		t.Errorf("verdict %+v", x.Verdict)
	}
}
