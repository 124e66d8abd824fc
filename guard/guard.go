package guard

import (
	"errors"
	"fmt"

	"github.com/mlsec/mlsec/pii"
)

// An Action is what a scanner does when it fires, configured per scanner
// and per route.
type Action string

const (
	// Block refuses the request, or ends the answer (a stream with a final
	// content_filter event).
	Block Action = "block"
	// Redact rewrites what fired (personal data, a banned term, a message
	// carrying an injection) and lets the rest through.
	Redact Action = "redact"
	// Flag only records a decision.
	Flag Action = "flag"
)

// Scanner names, as decisions report them.
const (
	ScannerInjection = "injection"
	ScannerPII       = "pii"
	ScannerBanned    = "banned"
	ScannerLength    = "length"
	ScannerLeakage   = "leakage"
	ScannerJSON      = "json"
	// ScannerGuard reports what the guard itself could not read (an
	// answer that is not the protocol's JSON): fail closed.
	ScannerGuard = "guard"
)

// Errors of InspectRequest (checked with errors.Is). The gateway answers
// ErrMalformed with 400 and ErrTooLarge with 413; their messages never
// quote the payload.
var (
	ErrConfig    = errors.New("guard: invalid configuration")
	ErrMalformed = errors.New("guard: malformed chat request")
	ErrTooLarge  = errors.New("guard: request too large")
)

// DefaultMaxBodyBytes bounds a request or a non-streamed answer the guard
// reads (4 MiB).
const DefaultMaxBodyBytes = 4 << 20

// Config chooses the scanners of one route and their actions. A nil
// section is off. Field comments are the user documentation (the gateway
// embeds Config in its YAML).
type Config struct {
	// Injection scans user messages (direct) and tool results (indirect)
	// for prompt injection and jailbreaks with the versioned rule set
	// (RuleSetVersion). Default action block.
	Injection *InjectionConfig `json:"injection,omitempty" yaml:"injection,omitempty"`
	// PromptPII finds personal data and secrets in every message with the
	// pii engine. Default action redact.
	PromptPII *PIIConfig `json:"prompt_pii,omitempty" yaml:"prompt_pii,omitempty"`
	// PromptBanned blocks (default), redacts or flags listed terms and
	// topics in user and tool messages.
	PromptBanned *BannedConfig `json:"prompt_banned,omitempty" yaml:"prompt_banned,omitempty"`
	// Length bounds the prompt and its token budget. Default action block.
	Length *LengthConfig `json:"length,omitempty" yaml:"length,omitempty"`
	// AnswerPII finds personal data and secrets in answers. Default
	// action redact (mid-stream too).
	AnswerPII *PIIConfig `json:"answer_pii,omitempty" yaml:"answer_pii,omitempty"`
	// Leakage watches answers for the system prompt: a canary the guard
	// inserts, and long runs of its words. Default action block.
	Leakage *LeakageConfig `json:"leakage,omitempty" yaml:"leakage,omitempty"`
	// AnswerBanned blocks (default), redacts or flags listed terms in
	// answers.
	AnswerBanned *BannedConfig `json:"answer_banned,omitempty" yaml:"answer_banned,omitempty"`
	// AnswerJSON checks that answers are JSON valid against a schema.
	// Default action block.
	AnswerJSON *JSONConfig `json:"answer_json,omitempty" yaml:"answer_json,omitempty"`
	// MaxBodyBytes bounds a request or a non-streamed answer (default
	// DefaultMaxBodyBytes).
	MaxBodyBytes int `json:"max_body_bytes,omitempty" yaml:"max_body_bytes,omitempty"`
}

// InjectionConfig configures the injection scanner.
type InjectionConfig struct {
	// Action: block (default), redact (the message is replaced by a
	// notice naming the rule) or flag.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
	// IndirectAction applies to tool results and other indirect content
	// (default: Action).
	IndirectAction Action `json:"indirect_action,omitempty" yaml:"indirect_action,omitempty"`
	// Threshold is the combined rule score that fires (default
	// DefaultInjectionThreshold).
	Threshold float64 `json:"threshold,omitempty" yaml:"threshold,omitempty"`
	// DirectRoles are scanned as the user's words (default ["user"]).
	DirectRoles []string `json:"direct_roles,omitempty" yaml:"direct_roles,omitempty"`
	// IndirectRoles are scanned as content the model reads but the user
	// did not write: tool results, retrieved documents (default ["tool",
	// "function"]; add "system" when an application puts retrieved
	// documents there). The indirect rules (IN-*) apply to them.
	IndirectRoles []string `json:"indirect_roles,omitempty" yaml:"indirect_roles,omitempty"`
}

// PIIConfig configures personal-data scanning with the pii engine.
type PIIConfig struct {
	// Action: redact (default: each value becomes "<ENTITY_TYPE>"), block
	// or flag.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
	// Entities limits the types (pii names: EMAIL_ADDRESS, SECRET, ...);
	// default all.
	Entities []string `json:"entities,omitempty" yaml:"entities,omitempty"`
	// Threshold is the pii score a span needs (default pii.DefaultThreshold).
	Threshold float64 `json:"threshold,omitempty" yaml:"threshold,omitempty"`
}

// BannedConfig lists terms and topics that may not appear.
type BannedConfig struct {
	// Action: block (default), redact (each occurrence becomes
	// "<BANNED>") or flag.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
	// Terms are words or phrases, matched as whole words, ignoring case,
	// look-alike letters, leetspeak and invisible characters.
	Terms []string `json:"terms,omitempty" yaml:"terms,omitempty"`
	// Topics group terms under a name the decision reports
	// ("topic:weapons").
	Topics []Topic `json:"topics,omitempty" yaml:"topics,omitempty"`
}

// A Topic is a named list of terms.
type Topic struct {
	Name  string   `json:"name" yaml:"name"`
	Terms []string `json:"terms" yaml:"terms"`
}

// LengthConfig bounds a prompt. Zero fields are not checked.
type LengthConfig struct {
	// Action: block (default) or flag.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
	// MaxPromptBytes bounds the text of all messages together.
	MaxPromptBytes int `json:"max_prompt_bytes,omitempty" yaml:"max_prompt_bytes,omitempty"`
	// MaxPromptTokens bounds the estimated tokens of all messages
	// (EstimateTokens: no tokenizer is shipped, the estimate errs high).
	MaxPromptTokens int `json:"max_prompt_tokens,omitempty" yaml:"max_prompt_tokens,omitempty"`
	// MaxTotalTokens bounds estimated prompt tokens plus the answer budget
	// the request asks for (max_tokens or max_completion_tokens).
	MaxTotalTokens int `json:"max_total_tokens,omitempty" yaml:"max_total_tokens,omitempty"`
	// MaxMessages bounds the number of messages.
	MaxMessages int `json:"max_messages,omitempty" yaml:"max_messages,omitempty"`
}

// LeakageConfig watches answers for the system prompt.
type LeakageConfig struct {
	// Action: block (default) or flag.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
	// Canary makes the guard add a random marker to the system prompt of
	// every request and watch answers for it (rule canary).
	Canary bool `json:"canary,omitempty" yaml:"canary,omitempty"`
	// SystemPrompt is the route's configured system prompt; answers that
	// repeat MinOverlapWords consecutive words of it, or of the request's
	// own system messages, fire (rule overlap).
	SystemPrompt string `json:"system_prompt,omitempty" yaml:"system_prompt,omitempty"`
	// MinOverlapWords is the run of words that counts as a leak (default
	// DefaultMinOverlapWords).
	MinOverlapWords int `json:"min_overlap_words,omitempty" yaml:"min_overlap_words,omitempty"`
}

// JSONConfig declares that answers are JSON.
type JSONConfig struct {
	// Action: block (default) or flag.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
	// Schema is a JSON Schema (draft 2020-12 unless it says otherwise)
	// answers must satisfy; empty means any JSON value.
	Schema string `json:"schema,omitempty" yaml:"schema,omitempty"`
	// FromRequest also honours the request's response_format
	// (json_object, or json_schema with its schema).
	FromRequest bool `json:"from_request,omitempty" yaml:"from_request,omitempty"`
	// MaxBytes bounds a streamed answer held back until it can be
	// validated (default 1 MiB); a longer answer is blocked.
	MaxBytes int `json:"max_bytes,omitempty" yaml:"max_bytes,omitempty"`
}

// A Decision is one scanner firing. It names the scanner, the rule and
// where, never the content: it is safe to log and to count.
type Decision struct {
	Scanner string `json:"scanner"`
	// Rule: an injection rule ID ("PI-001"), a pii entity type
	// ("EMAIL_ADDRESS"), a banned term's topic ("topic:weapons", or
	// "term" for the plain list), a length limit ("max_prompt_tokens"),
	// "canary" or "overlap", "schema" or "syntax".
	Rule   string `json:"rule"`
	Action Action `json:"action"`
	// Stage: "request", "response" or "stream".
	Stage string `json:"stage"`
	// Where: a JSON path into the request or answer
	// ("messages[2].content", "choices[0].message.content").
	Where string  `json:"where,omitempty"`
	Score float64 `json:"score,omitempty"`
	// Detail says more without quoting: the rules matched and where they
	// were hidden, the count of values redacted, a limit and the size.
	Detail string `json:"detail,omitempty"`
}

// A Verdict is what the guard decided about one request or answer.
type Verdict struct {
	Decisions []Decision `json:"decisions"`
	// Blocked: a block decision fired; the caller answers with
	// BlockedBody (or, for a stream, the stream has ended).
	Blocked bool `json:"blocked"`
	// Modified: the body was rewritten (redaction, a canary).
	Modified bool `json:"modified"`
}

// Blocking returns the first decision that blocked, or nil.
func (v Verdict) Blocking() *Decision {
	for i := range v.Decisions {
		if v.Decisions[i].Action == Block {
			return &v.Decisions[i]
		}
	}
	return nil
}

func (v *Verdict) add(d Decision) {
	v.Decisions = append(v.Decisions, d)
	if d.Action == Block {
		v.Blocked = true
	}
}

// A Guard holds one route's scanners. It is immutable and safe for
// concurrent use; build it once per route.
type Guard struct {
	cfg       Config
	inj       InjectionScanner
	injDirect map[string]bool
	injIndir  map[string]bool
	promptPII *piiScanner
	answerPII *piiScanner
	inBanned  *bannedList
	outBanned *bannedList
	json      *jsonCheck
	maxBody   int
}

// New validates cfg and builds its scanners.
func New(cfg Config) (*Guard, error) {
	g := &Guard{cfg: cfg, maxBody: cfg.MaxBodyBytes}
	if g.maxBody <= 0 {
		g.maxBody = DefaultMaxBodyBytes
	}
	var err error
	if cfg.Injection != nil {
		c := *cfg.Injection
		if c.Action, err = action("injection", c.Action, Block, Block, Redact, Flag); err != nil {
			return nil, err
		}
		if c.IndirectAction == "" {
			c.IndirectAction = c.Action
		}
		if c.IndirectAction, err = action("injection indirect_action", c.IndirectAction, Block, Block, Redact, Flag); err != nil {
			return nil, err
		}
		if c.Threshold == 0 {
			c.Threshold = DefaultInjectionThreshold
		}
		if !(c.Threshold > 0 && c.Threshold <= 1) {
			return nil, fmt.Errorf("%w: injection threshold %v is not in (0, 1]", ErrConfig, c.Threshold)
		}
		g.injDirect = roleSet(c.DirectRoles, "user")
		g.injIndir = roleSet(c.IndirectRoles, "tool", "function")
		g.cfg.Injection = &c
	}
	if g.promptPII, err = newPIIScanner("prompt_pii", cfg.PromptPII); err != nil {
		return nil, err
	}
	if g.answerPII, err = newPIIScanner("answer_pii", cfg.AnswerPII); err != nil {
		return nil, err
	}
	if g.inBanned, err = newBanned("prompt_banned", cfg.PromptBanned); err != nil {
		return nil, err
	}
	if g.outBanned, err = newBanned("answer_banned", cfg.AnswerBanned); err != nil {
		return nil, err
	}
	if c := cfg.Length; c != nil {
		cc := *c
		if cc.Action, err = action("length", c.Action, Block, Block, Flag); err != nil {
			return nil, err
		}
		if c.MaxPromptBytes < 0 || c.MaxPromptTokens < 0 || c.MaxTotalTokens < 0 || c.MaxMessages < 0 {
			return nil, fmt.Errorf("%w: length limits must not be negative", ErrConfig)
		}
		g.cfg.Length = &cc
	}
	if c := cfg.Leakage; c != nil {
		cc := *c
		if cc.Action, err = action("leakage", c.Action, Block, Block, Flag); err != nil {
			return nil, err
		}
		if cc.MinOverlapWords == 0 {
			cc.MinOverlapWords = DefaultMinOverlapWords
		}
		if cc.MinOverlapWords < 3 {
			return nil, fmt.Errorf("%w: leakage min_overlap_words %d: want 3 or more (fewer words match ordinary sentences)", ErrConfig, cc.MinOverlapWords)
		}
		g.cfg.Leakage = &cc
	}
	if g.json, err = newJSONCheck(cfg.AnswerJSON); err != nil {
		return nil, err
	}
	return g, nil
}

// Config returns the route's configuration with defaults filled in.
func (g *Guard) Config() Config { return g.cfg }

// action checks a configured action against those a scanner allows.
func action(what string, a, def Action, allowed ...Action) (Action, error) {
	if a == "" {
		return def, nil
	}
	for _, x := range allowed {
		if a == x {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: %s action %q: want one of %v", ErrConfig, what, a, allowed)
}

func roleSet(roles []string, def ...string) map[string]bool {
	if len(roles) == 0 {
		roles = def
	}
	m := map[string]bool{}
	for _, r := range roles {
		m[r] = true
	}
	return m
}

// piiScanner wraps the pii engine with an action.
type piiScanner struct {
	action Action
	red    *pii.Redactor // Replace for redact; keep (identity) for flag and block
}

// keep is an operator that writes the value unchanged: flag and block
// find spans through a Stream without changing text.
type keep struct{}

func (keep) Apply(_ pii.Entity, v string) (string, error) { return v, nil }

var _ pii.Operator = keep{}

func newPIIScanner(what string, c *PIIConfig) (*piiScanner, error) {
	if c == nil {
		return nil, nil
	}
	act, err := action(what, c.Action, Redact, Redact, Block, Flag)
	if err != nil {
		return nil, err
	}
	var opts []pii.Option
	if c.Threshold != 0 {
		opts = append(opts, pii.WithThreshold(c.Threshold))
	}
	if len(c.Entities) > 0 {
		es := make([]pii.Entity, 0, len(c.Entities))
		for _, s := range c.Entities {
			e, err := pii.ParseEntity(s)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrConfig, what, err)
			}
			es = append(es, e)
		}
		opts = append(opts, pii.WithEntities(es...))
	}
	a, err := pii.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrConfig, what, err)
	}
	var op pii.Operator = pii.Replace{}
	if act != Redact {
		op = keep{}
	}
	red, err := pii.NewRedactor(a, op, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrConfig, what, err)
	}
	return &piiScanner{action: act, red: red}, nil
}
