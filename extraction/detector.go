package extraction

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mlsec/mlsec/guard"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("extraction: invalid configuration")

// Detector names, as findings report them.
const (
	DetectorRate       = "rate"
	DetectorVolume     = "volume"
	DetectorPRADA      = "prada"
	DetectorBoundary   = "boundary"
	DetectorSweep      = "sweep"
	DetectorDuplicates = "near_duplicates"
	DetectorLLMExtract = "llm_extraction"
)

// Detectors returns the detector names, in the order verdicts list them.
func Detectors() []string {
	return []string{DetectorRate, DetectorVolume, DetectorPRADA, DetectorBoundary, DetectorSweep, DetectorDuplicates, DetectorLLMExtract}
}

// A Query is one request of a client: a tabular or vector input (Input,
// with the model's answer: Class and, when the model returns them,
// Scores), or an LLM prompt.
type Query struct {
	Client string
	Time   time.Time
	Input  []float64
	Class  int
	Scores []float64
	Prompt string
}

// A Finding is one detector firing for a client, with its reason.
type Finding struct {
	Detector  string  `json:"detector"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Reason    string  `json:"reason"`
}

// A Verdict is what the detectors think of one client now.
type Verdict struct {
	Client   string    `json:"client"`
	Queries  int       `json:"queries"`
	Flagged  bool      `json:"flagged"`
	Findings []Finding `json:"findings,omitempty"`
}

// Config chooses the detectors; a nil section is off. Zero fields take the
// documented defaults.
type Config struct {
	Rate     *RateConfig     `json:"rate,omitempty" yaml:"rate,omitempty"`
	PRADA    *PRADAConfig    `json:"prada,omitempty" yaml:"prada,omitempty"`
	Boundary *BoundaryConfig `json:"boundary,omitempty" yaml:"boundary,omitempty"`
	Sweep    *SweepConfig    `json:"sweep,omitempty" yaml:"sweep,omitempty"`
	LLM      *LLMConfig      `json:"llm,omitempty" yaml:"llm,omitempty"`
	// MaxClients bounds the clients tracked (default 10,000); the least
	// recently seen is forgotten first.
	MaxClients int `json:"max_clients,omitempty" yaml:"max_clients,omitempty"`
}

// RateConfig is the quota: at most MaxPerWindow queries in any Window,
// and MaxTotal in all (0: not checked).
type RateConfig struct {
	Window       time.Duration `json:"window,omitempty" yaml:"window,omitempty"`
	MaxPerWindow int           `json:"max_per_window,omitempty" yaml:"max_per_window,omitempty"`
	MaxTotal     int           `json:"max_total,omitempty" yaml:"max_total,omitempty"`
}

// BoundaryConfig flags clients whose queries sit on the decision boundary:
// a share above MaxShare (default 0.3) of the last Window (default 200)
// answers has a top-two score margin below Margin (default 0.1), once
// MinQueries (default 50) have scores.
type BoundaryConfig struct {
	Margin     float64 `json:"margin,omitempty" yaml:"margin,omitempty"`
	MaxShare   float64 `json:"max_share,omitempty" yaml:"max_share,omitempty"`
	Window     int     `json:"window,omitempty" yaml:"window,omitempty"`
	MinQueries int     `json:"min_queries,omitempty" yaml:"min_queries,omitempty"`
}

// SweepConfig flags systematic sweeps of the input space: a share above
// MaxShare (default 0.5) of the last Window (default 200) queries changes
// exactly one feature of the query before it, once MinQueries (default
// 30) were seen.
type SweepConfig struct {
	MaxShare   float64 `json:"max_share,omitempty" yaml:"max_share,omitempty"`
	Window     int     `json:"window,omitempty" yaml:"window,omitempty"`
	MinQueries int     `json:"min_queries,omitempty" yaml:"min_queries,omitempty"`
}

// LLMConfig configures the prompt detectors: near duplicates (a prompt
// whose word-trigram Jaccard similarity with one of the client's last
// Recent (default 50) prompts reaches Similarity (default 0.6); flagged
// when their share of the last Window (default 100) prompts exceeds
// MaxShare (default 0.5), after MinPrompts (default 20)); and extraction
// requests (the guard's system-prompt rules, and requests for verbatim
// training data), flagged at MaxExtraction (default 3).
type LLMConfig struct {
	Similarity    float64 `json:"similarity,omitempty" yaml:"similarity,omitempty"`
	Recent        int     `json:"recent,omitempty" yaml:"recent,omitempty"`
	Window        int     `json:"window,omitempty" yaml:"window,omitempty"`
	MaxShare      float64 `json:"max_share,omitempty" yaml:"max_share,omitempty"`
	MinPrompts    int     `json:"min_prompts,omitempty" yaml:"min_prompts,omitempty"`
	MaxExtraction int     `json:"max_extraction,omitempty" yaml:"max_extraction,omitempty"`
}

func def[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Detector tracks clients and runs the configured detectors. It is safe
// for concurrent use.
type Detector struct {
	cfg Config
	inj guard.InjectionScanner

	mu      sync.Mutex
	clients map[string]*list.Element
	lru     *list.List
}

type client struct {
	id       string
	queries  int
	times    []time.Time // ring of the last MaxPerWindow+1 query times
	tnext    int
	prada    *prada
	near     ring // 1 when the answer was a near tie
	nscored  int
	last     []float64
	onefeat  ring
	prompts  []map[uint64]struct{}
	pnext    int
	dup      ring
	nprompts int
	extract  int
}

// New validates cfg and returns a Detector.
func New(cfg Config) (*Detector, error) {
	def(&cfg.MaxClients, 10000)
	if cfg.MaxClients < 1 {
		return nil, fmt.Errorf("%w: max_clients must be positive", ErrConfig)
	}
	if c := cfg.Rate; c != nil {
		cc := *c
		if cc.MaxPerWindow < 0 || cc.MaxTotal < 0 || (cc.MaxPerWindow > 0 && cc.Window <= 0) || cc.MaxPerWindow > 1_000_000 {
			return nil, fmt.Errorf("%w: rate: max_per_window (up to 1e6) needs a positive window", ErrConfig)
		}
		cfg.Rate = &cc
	}
	if c := cfg.PRADA; c != nil {
		cc := *c
		if err := cc.defaults(); err != nil {
			return nil, err
		}
		cfg.PRADA = &cc
	}
	if c := cfg.Boundary; c != nil {
		cc := *c
		def(&cc.Margin, 0.1)
		def(&cc.MaxShare, 0.3)
		def(&cc.Window, 200)
		def(&cc.MinQueries, 50)
		if cc.Window < cc.MinQueries || cc.Window > 100000 || !(cc.MaxShare > 0 && cc.MaxShare < 1) {
			return nil, fmt.Errorf("%w: boundary: min_queries <= window <= 100000, max_share in (0, 1)", ErrConfig)
		}
		cfg.Boundary = &cc
	}
	if c := cfg.Sweep; c != nil {
		cc := *c
		def(&cc.MaxShare, 0.5)
		def(&cc.Window, 200)
		def(&cc.MinQueries, 30)
		if cc.Window < cc.MinQueries || cc.Window > 100000 || !(cc.MaxShare > 0 && cc.MaxShare < 1) {
			return nil, fmt.Errorf("%w: sweep: min_queries <= window <= 100000, max_share in (0, 1)", ErrConfig)
		}
		cfg.Sweep = &cc
	}
	if c := cfg.LLM; c != nil {
		cc := *c
		def(&cc.Similarity, 0.6)
		def(&cc.Recent, 50)
		def(&cc.Window, 100)
		def(&cc.MaxShare, 0.5)
		def(&cc.MinPrompts, 20)
		def(&cc.MaxExtraction, 3)
		if cc.Recent > 1000 || cc.Window < cc.MinPrompts || cc.Window > 100000 || !(cc.Similarity > 0 && cc.Similarity <= 1) {
			return nil, fmt.Errorf("%w: llm: recent <= 1000, min_prompts <= window <= 100000, similarity in (0, 1]", ErrConfig)
		}
		cfg.LLM = &cc
	}
	return &Detector{cfg: cfg, clients: map[string]*list.Element{}, lru: list.New()}, nil
}

// Clients returns how many clients are tracked.
func (d *Detector) Clients() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lru.Len()
}

// Forget drops everything known about a client, so its next query starts
// a fresh history (the gateway forgets a client whose block expired).
func (d *Detector) Forget(client string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.clients[client]; ok {
		d.lru.Remove(e)
		delete(d.clients, client)
	}
}

// Observe records one query and returns the client's verdict after it.
func (d *Detector) Observe(q Query) Verdict {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.client(q.Client)
	c.queries++
	d.record(c, &q)
	return d.verdict(c)
}

func (d *Detector) client(id string) *client {
	if e, ok := d.clients[id]; ok {
		d.lru.MoveToFront(e)
		return e.Value.(*client)
	}
	if d.lru.Len() >= d.cfg.MaxClients {
		old := d.lru.Back()
		delete(d.clients, old.Value.(*client).id)
		d.lru.Remove(old)
	}
	c := &client{id: id}
	if r := d.cfg.Rate; r != nil && r.MaxPerWindow > 0 {
		c.times = make([]time.Time, 0, r.MaxPerWindow+1)
	}
	if p := d.cfg.PRADA; p != nil {
		c.prada = newPRADA(p)
	}
	if b := d.cfg.Boundary; b != nil {
		c.near = newRing(b.Window)
	}
	if s := d.cfg.Sweep; s != nil {
		c.onefeat = newRing(s.Window)
	}
	if l := d.cfg.LLM; l != nil {
		c.dup = newRing(l.Window)
	}
	d.clients[id] = d.lru.PushFront(c)
	return c
}

func (d *Detector) record(c *client, q *Query) {
	if r := d.cfg.Rate; r != nil && cap(c.times) > 0 {
		if len(c.times) < cap(c.times) {
			c.times = append(c.times, q.Time)
		} else {
			c.times[c.tnext] = q.Time
			c.tnext = (c.tnext + 1) % len(c.times)
		}
	}
	if q.Input != nil {
		if c.prada != nil {
			c.prada.observe(d.cfg.PRADA, q.Input, q.Class)
		}
		if d.cfg.Boundary != nil && len(q.Scores) >= 2 {
			c.nscored++
			c.near.push(b2f(margin(q.Scores) < d.cfg.Boundary.Margin))
		}
		if d.cfg.Sweep != nil {
			if c.last != nil {
				c.onefeat.push(b2f(changed(c.last, q.Input) == 1))
			}
			c.last = clone(q.Input)
		}
	}
	if l := d.cfg.LLM; l != nil && q.Prompt != "" {
		c.nprompts++
		sh := shingles(q.Prompt)
		dup := false
		for _, old := range c.prompts {
			if jaccard(sh, old) >= l.Similarity {
				dup = true
				break
			}
		}
		c.dup.push(b2f(dup))
		if len(c.prompts) < l.Recent {
			c.prompts = append(c.prompts, sh)
		} else {
			c.prompts[c.pnext] = sh
			c.pnext = (c.pnext + 1) % len(c.prompts)
		}
		if d.extractionPrompt(q.Prompt) {
			c.extract++
		}
	}
}

func (d *Detector) verdict(c *client) Verdict {
	v := Verdict{Client: c.id, Queries: c.queries}
	add := func(det string, val, thr float64, reason string) {
		v.Findings = append(v.Findings, Finding{Detector: det, Value: val, Threshold: thr, Reason: reason})
	}
	if r := d.cfg.Rate; r != nil {
		if r.MaxPerWindow > 0 && len(c.times) == cap(c.times) {
			ts := append([]time.Time(nil), c.times...)
			sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
			if span := ts[len(ts)-1].Sub(ts[0]); span < r.Window {
				add(DetectorRate, float64(len(ts)), float64(r.MaxPerWindow),
					fmt.Sprintf("%d queries within %v: over the quota of %d per %v", len(ts), span.Round(time.Millisecond), r.MaxPerWindow, r.Window))
			}
		}
		if r.MaxTotal > 0 && c.queries > r.MaxTotal {
			add(DetectorVolume, float64(c.queries), float64(r.MaxTotal), fmt.Sprintf("%d queries: over the total quota of %d", c.queries, r.MaxTotal))
		}
	}
	if p := d.cfg.PRADA; p != nil {
		if w, ok := c.prada.check(p); ok && w < p.Delta {
			add(DetectorPRADA, round4(w), p.Delta, fmt.Sprintf("the minimum distances between the client's queries are not normally distributed (Shapiro-Wilk W %.4f < δ %.2f over the last %d): synthetic queries, as extraction attacks make", w, p.Delta, len(c.prada.dists.values())))
		}
	}
	if b := d.cfg.Boundary; b != nil && c.nscored >= b.MinQueries {
		if s := mean(c.near.values()); s > b.MaxShare {
			add(DetectorBoundary, round4(s), b.MaxShare, fmt.Sprintf("%.0f%% of the last %d answers are near ties (top-two score margin below %.2f): queries probe the decision boundary", 100*s, len(c.near.values()), b.Margin))
		}
	}
	if s := d.cfg.Sweep; s != nil && c.queries >= s.MinQueries {
		if sh := mean(c.onefeat.values()); sh > s.MaxShare {
			add(DetectorSweep, round4(sh), s.MaxShare, fmt.Sprintf("%.0f%% of the last %d queries change exactly one feature of the one before: a systematic sweep of the input space", 100*sh, len(c.onefeat.values())))
		}
	}
	if l := d.cfg.LLM; l != nil {
		if c.nprompts >= l.MinPrompts {
			if s := mean(c.dup.values()); s > l.MaxShare {
				add(DetectorDuplicates, round4(s), l.MaxShare, fmt.Sprintf("%.0f%% of the last %d prompts nearly repeat an earlier one (word-trigram Jaccard >= %.2f)", 100*s, len(c.dup.values()), l.Similarity))
			}
		}
		if c.extract >= l.MaxExtraction {
			add(DetectorLLMExtract, float64(c.extract), float64(l.MaxExtraction), fmt.Sprintf("%d prompts ask for the system prompt or verbatim training data", c.extract))
		}
	}
	v.Flagged = len(v.Findings) > 0
	return v
}

// margin is the difference between the two highest scores.
func margin(s []float64) float64 {
	a, b := math.Inf(-1), math.Inf(-1)
	for _, v := range s {
		switch {
		case v > a:
			a, b = v, a
		case v > b:
			b = v
		}
	}
	return a - b
}

// changed counts the features that differ.
func changed(x, y []float64) int {
	n := 0
	for i := range min(len(x), len(y)) {
		if x[i] != y[i] {
			n++
		}
	}
	return n + abs(len(x)-len(y))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// verbatim matches requests for training data read back word for word.
var verbatim = []string{"verbatim", "word for word", "training data", "training set", "repeat the word", "forever", "memorized", "memorised", "exact text of", "continue the text", "complete the following passage"}

// extractionPrompt reports prompts asking for the system prompt (the
// guard's system-prompt rules) or for verbatim training data.
func (d *Detector) extractionPrompt(p string) bool {
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	r := d.inj.Scan(p, false)
	for _, m := range r.Matches {
		if m.Family == guard.FamilySystemPrompt && m.Score >= 0.6 {
			return true
		}
	}
	l := strings.ToLower(p)
	n := 0
	for _, w := range verbatim {
		if strings.Contains(l, w) {
			n++
		}
	}
	return n >= 1 && (strings.Contains(l, "verbatim") || strings.Contains(l, "training") || strings.Contains(l, "forever") || strings.Contains(l, "word for word") || strings.Contains(l, "memori"))
}
