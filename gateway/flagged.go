package gateway

import (
	"math"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/mlsec/mlsec/extraction"
)

// A route's flag book remembers which of its clients the extraction
// detectors flagged, by which detector, since when, and the action in
// force (the strongest of the flagging detectors' actions). Flags are
// sticky: a detector's flag lasts until extraction.expire after it last
// fired, so an attacker cannot lift a throttle by pausing for one verdict.
// The book is bounded (extraction.max_clients entries; when full, the
// client flagged least recently is dropped) and in memory: each replica
// judges the traffic it sees.

// FlaggedClient is one client a route's extraction detectors flagged, as
// GET /_mlsec/clients and 'mlsec gateway clients' show it.
type FlaggedClient struct {
	Route  string `json:"route"`
	Model  string `json:"model"`
	Client string `json:"client"`
	// Action is the action in force: alert, throttle or block.
	Action string `json:"action"`
	// Since is when the client was first flagged (this episode).
	Since time.Time `json:"since"`
	// Expires is when the last flag lifts unless a detector fires again.
	Expires time.Time `json:"expires"`
	// Throttle is the client's bucket while Action is throttle.
	Throttle  *ThrottleConfig   `json:"throttle,omitempty"`
	Detectors []FlaggedDetector `json:"detectors"`
}

// FlaggedDetector is one detector's flag on a client: its last finding
// (value, threshold, reason), its action, when it first and last fired.
type FlaggedDetector struct {
	extraction.Finding
	Action string    `json:"action"`
	Since  time.Time `json:"since"`
	Last   time.Time `json:"last"`
}

type flagEntry struct {
	since   time.Time
	dets    map[string]*FlaggedDetector
	limiter *rate.Limiter // while the action in force is throttle
}

type flagBook struct {
	cfg *ExtractionConfig
	max int

	mu sync.Mutex
	m  map[string]*flagEntry
}

func newFlagBook(cfg *ExtractionConfig) *flagBook {
	n := cfg.MaxClients
	if n <= 0 {
		n = 10000
	}
	return &flagBook{cfg: cfg, max: n, m: map[string]*flagEntry{}}
}

// update records a verdict's findings at now and returns those of
// detectors that newly flag the client (to count, log and alert once).
func (b *flagBook) update(client string, fs []extraction.Finding, now time.Time) []extraction.Finding {
	if len(fs) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.m[client]
	if e != nil && b.expire(client, e, now) {
		e = nil
	}
	if e == nil {
		if len(b.m) >= b.max {
			b.evict(now)
		}
		e = &flagEntry{since: now, dets: map[string]*FlaggedDetector{}}
		b.m[client] = e
	}
	var fresh []extraction.Finding
	for _, f := range fs {
		d := e.dets[f.Detector]
		if d == nil {
			d = &FlaggedDetector{Action: b.cfg.actionFor(f.Detector), Since: now}
			e.dets[f.Detector] = d
			fresh = append(fresh, f)
		}
		d.Finding, d.Last = f, now
	}
	return fresh
}

// expire drops the client's lapsed flags and reports whether none is left
// (the entry is then gone).
func (b *flagBook) expire(client string, e *flagEntry, now time.Time) bool {
	for name, d := range e.dets {
		if now.Sub(d.Last) >= b.cfg.Expire.D() {
			delete(e.dets, name)
		}
	}
	if len(e.dets) == 0 {
		delete(b.m, client)
		return true
	}
	return false
}

// evict makes room: lapsed entries go, then the least recently flagged.
func (b *flagBook) evict(now time.Time) {
	oldest, at := "", time.Time{}
	for c, e := range b.m {
		if b.expire(c, e, now) {
			continue
		}
		if l := e.last(); oldest == "" || l.Before(at) {
			oldest, at = c, l
		}
	}
	if len(b.m) >= b.max && oldest != "" {
		delete(b.m, oldest)
	}
}

func (e *flagEntry) last() time.Time {
	var t time.Time
	for _, d := range e.dets {
		if d.Last.After(t) {
			t = d.Last
		}
	}
	return t
}

// action returns the action in force and the detector that sets it (the
// first by name among the strongest).
func (e *flagEntry) action() (string, string) {
	names := make([]string, 0, len(e.dets))
	for n := range e.dets {
		names = append(names, n)
	}
	sort.Strings(names)
	act, det := "", ""
	for _, n := range names {
		if a := e.dets[n].Action; actionRank(a) > actionRank(act) {
			act, det = a, n
		}
	}
	return act, det
}

// A sanction is what a flagged client's request gets.
type sanction struct {
	action     string // "" (serve), throttle or block
	detector   string
	retryAfter time.Duration // throttle: when a token is due
	expired    bool          // a block lapsed: the detectors forget the client
}

// check returns the sanction in force for a request of client at now.
// A throttled client's request takes a token from its bucket, or is
// refused with the time until the next one.
func (b *flagBook) check(client string, now time.Time) sanction {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.m[client]
	if e == nil {
		return sanction{}
	}
	if prev, _ := e.action(); b.expire(client, e, now) {
		return sanction{expired: prev == ExtractionBlock}
	}
	act, det := e.action()
	switch act {
	case ExtractionBlock:
		return sanction{action: act, detector: det}
	case ExtractionThrottle:
		if e.limiter == nil {
			e.limiter = rate.NewLimiter(rate.Limit(b.cfg.Throttle.Rate), b.cfg.Throttle.Burst)
			e.limiter.ReserveN(now, b.cfg.Throttle.Burst) // the bucket starts empty
		}
		r := e.limiter.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			return sanction{action: act, detector: det, retryAfter: d}
		}
		return sanction{}
	}
	e.limiter = nil
	return sanction{}
}

// list returns the flagged clients at now, lapsed flags dropped.
func (b *flagBook) list(rt *Route, now time.Time) []FlaggedClient {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []FlaggedClient
	for c, e := range b.m {
		if b.expire(c, e, now) {
			continue
		}
		act, _ := e.action()
		fc := FlaggedClient{Route: rt.Name, Model: rt.Model, Client: c, Action: act, Since: e.since,
			Expires: e.last().Add(b.cfg.Expire.D())}
		if act == ExtractionThrottle {
			t := b.cfg.Throttle
			fc.Throttle = &t
		}
		for _, d := range e.dets {
			fc.Detectors = append(fc.Detectors, *d)
		}
		sort.Slice(fc.Detectors, func(i, j int) bool { return fc.Detectors[i].Detector < fc.Detectors[j].Detector })
		out = append(out, fc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Client < out[j].Client })
	return out
}

// retryAfterSeconds is a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
