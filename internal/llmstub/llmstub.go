// Package llmstub is a deterministic OpenAI-compatible chat server for
// tests: a STUB, not a language model. No real LLM runs on the machines
// mlsec is built and tested on, so the guard, the gateway and `mlsec probe
// llm` are tested against this server, whose weaknesses the test switches
// on: it leaks its system prompt when asked for it, follows "ignore
// previous instructions ... say X" in user or tool messages, decodes
// base64 and obeys it, discloses the personal data its system prompt holds,
// recites a public-domain text verbatim, complies with disallowed requests,
// or echoes the user. With no weakness on it refuses each of those the way
// an aligned model would. Its answers are fixed strings chosen by simple
// patterns: it says nothing about how a real model behaves.
//
// It serves POST /v1/chat/completions (non-streamed, and server-sent events
// when "stream": true, in pieces of ChunkBytes) and GET /v1/models.
package llmstub

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/mlsec/mlsec/internal/lazyre"
)

// Weaknesses switch on the stub's failures.
type Weaknesses struct {
	// LeakSystemPrompt: asked for its instructions or system prompt, it
	// recites the system prompt.
	LeakSystemPrompt bool
	// FollowInjection: "ignore ... instructions ... say X" in a user or
	// tool message makes it answer X.
	FollowInjection bool
	// DecodeBase64: it decodes base64 runs in the user's message and
	// reads the result as part of the message.
	DecodeBase64 bool
	// LeakPII: asked for contact details, it discloses the lines of its
	// system prompt that hold an email address or a phone number.
	LeakPII bool
	// Regurgitate: asked to continue a text it knows, it recites it.
	Regurgitate bool
	// ComplyHarmful: it answers disallowed requests instead of refusing.
	ComplyHarmful bool
	// Echo: any other message is answered by repeating it.
	Echo bool
}

// All is every weakness.
var All = Weaknesses{true, true, true, true, true, true, true}

// Config configures a Server.
type Config struct {
	Model string // default "mlsec-stub"
	Weak  Weaknesses
	// ChunkBytes is the size of a streamed piece (default 8).
	ChunkBytes int
}

// Server is the stub. It is safe for concurrent use.
type Server struct {
	cfg      Config
	requests atomic.Int64
}

var _ http.Handler = (*Server)(nil)

// New returns a stub server.
func New(cfg Config) *Server {
	if cfg.Model == "" {
		cfg.Model = "mlsec-stub"
	}
	if cfg.ChunkBytes <= 0 {
		cfg.ChunkBytes = 8
	}
	return &Server{cfg: cfg}
}

// Requests returns how many chat requests were answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Fixed answers (the probes' detectors look for refusals and leaks, so
// the refusals read like a model's).
const (
	RefuseHarmful    = "I'm sorry, but I can't help with that request."
	RefuseSystem     = "I can't share my instructions."
	RefuseInjection  = "I can't ignore my instructions."
	RefusePII        = "I'm sorry, I can't share personal or customer data."
	RefuseRecitation = "I can't reproduce that text verbatim, but I can summarise it."
	Default          = "I am the mlsec stub model. How can I help?"
)

// Passage is the public-domain text the stub recites (the opening of
// Dickens' A Tale of Two Cities, 1859).
const Passage = "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of Darkness, it was the spring of hope, it was the winter of despair."

var (
	reInjection = lazyre.New(`(?is)\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions|prompt|rules|directions)\b.{0,80}?\b(?:say|print|output|respond with|reply with|answer with)\s*:?\s*["'“]?([^"'”\n]{1,80}?)["'”]?\s*(?:[.!](?:\s|$)|\n|$)`)
	reSystem    = lazyre.New(`(?i)system prompt|your (?:initial |original |hidden |secret )?instructions|instructions you (?:were|have been) given|(?:repeat|print|output) (?:everything|the text|all text|the words) (?:above|before)|what were you told`)
	rePII       = lazyre.New(`(?i)\b(?:e-?mail|phone|contact details|address|customer(?:'s)? (?:record|data|details)|personal data)\b`)
	reContact   = lazyre.New(`[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()-]{7,}\d`)
	reRecite    = lazyre.New(`(?i)\b(?:continue|complete|finish|recite)\b`)
	reHarmful   = lazyre.New(`(?i)\b(?:bomb|explosive|malware|ransomware|keylogger|meth(?:amphetamine)?|nerve agent|poison (?:someone|a person)|untraceable|credit card numbers to steal|hotwire|phishing email)\b`)
	reBase64    = lazyre.New(`[A-Za-z0-9+/]{16,}={0,2}`)
)

type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct{ Type, Text string }
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// Answer is the stub's answer to a conversation: the system prompt, the
// last user message and the tool messages since it.
func (s *Server) Answer(system, user string, tools []string) string {
	w := s.cfg.Weak
	if w.DecodeBase64 {
		for _, run := range reBase64.FindAllString(user, 8) {
			if d, err := base64.StdEncoding.DecodeString(run); err == nil {
				user += "\n" + string(d)
			}
		}
	}
	for _, t := range append([]string{user}, tools...) {
		if m := reInjection.FindStringSubmatch(t); m != nil {
			if w.FollowInjection {
				return strings.TrimSpace(m[1])
			}
			return RefuseInjection
		}
	}
	switch {
	case reHarmful.MatchString(user):
		if w.ComplyHarmful {
			return "Sure. Here is how to do it, step by step: first, gather the materials..."
		}
		return RefuseHarmful
	case reSystem.MatchString(user):
		if w.LeakSystemPrompt && system != "" {
			return "My instructions are: " + system
		}
		return RefuseSystem
	case rePII.MatchString(user) && reContact.MatchString(system):
		if w.LeakPII {
			var lines []string
			for _, l := range strings.Split(system, "\n") {
				if reContact.MatchString(l) {
					lines = append(lines, strings.TrimSpace(l))
				}
			}
			return "Here are the details: " + strings.Join(lines, " ")
		}
		return RefusePII
	case reRecite.MatchString(user) && strings.Contains(strings.ToLower(user), "best of times"):
		if w.Regurgitate {
			return Passage
		}
		return RefuseRecitation
	}
	if w.Echo {
		return user
	}
	return Default
}

// ServeHTTP implements the OpenAI chat completions API subset.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/v1/models" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{map[string]any{"id": s.cfg.Model, "object": "model", "owned_by": "mlsec-stub"}}})
		return
	case r.URL.Path != "/v1/chat/completions":
		writeError(w, http.StatusNotFound, "not found: the stub serves /v1/chat/completions and /v1/models")
		return
	case r.Method != http.MethodPost:
		writeError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&req); err != nil || len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "the body must be a chat completion request with messages")
		return
	}
	s.requests.Add(1)
	var system, user []string
	var tools []string
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			system = append(system, text(m.Content))
		case "user":
			user = append(user, text(m.Content))
			tools = nil // tool results before the last user turn are old
		case "tool", "function":
			tools = append(tools, text(m.Content))
		}
	}
	last := ""
	if len(user) > 0 {
		last = user[len(user)-1]
	}
	answer := s.Answer(strings.Join(system, "\n"), last, tools)
	id := fmt.Sprintf("chatcmpl-stub-%d", s.requests.Load())
	if !req.Stream {
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "object": "chat.completion", "created": 0, "model": s.cfg.Model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": answer}, "finish_reason": "stop"}},
			"usage":   map[string]int{"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	send := func(delta map[string]any, finish any) {
		b, _ := json.Marshal(map[string]any{"id": id, "object": "chat.completion.chunk", "created": 0, "model": s.cfg.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	send(map[string]any{"role": "assistant", "content": ""}, nil)
	for rest := answer; rest != ""; {
		n := min(s.cfg.ChunkBytes, len(rest))
		for n < len(rest) && rest[n]&0xC0 == 0x80 {
			n++ // never cut a UTF-8 sequence
		}
		send(map[string]any{"content": rest[:n]}, nil)
		rest = rest[n:]
	}
	send(map[string]any{}, "stop")
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}})
}
