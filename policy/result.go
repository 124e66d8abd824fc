package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Controls are the framework controls a result maps to.
type Controls struct {
	// OWASPML are OWASP Machine Learning Security Top 10 ids (ML01..ML10).
	OWASPML []string `json:"owasp_ml,omitempty"`
	// ATLAS are MITRE ATLAS technique ids (AML.Txxxx[.yyy]).
	ATLAS []string `json:"atlas,omitempty"`
	// NISTAIRMF are NIST AI RMF function/category ids (e.g. "MEASURE 2.7").
	NISTAIRMF []string `json:"nist_ai_rmf,omitempty"`
}

func (c Controls) empty() bool { return len(c.OWASPML)+len(c.ATLAS)+len(c.NISTAIRMF) == 0 }

func (c Controls) union(o Controls) Controls {
	u := func(a, b []string) []string {
		out := slices.Clone(a)
		for _, s := range b {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	return Controls{u(c.OWASPML, o.OWASPML), u(c.ATLAS, o.ATLAS), u(c.NISTAIRMF, o.NISTAIRMF)}
}

func controlsFrom(v any) Controls {
	m, _ := v.(map[string]any)
	return Controls{OWASPML: strs(m["owasp_ml"]), ATLAS: strs(m["atlas"]), NISTAIRMF: strs(m["nist_ai_rmf"])}
}

func strs(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		} else if x != nil {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

// Result is one deny, warning or waived result.
type Result struct {
	ID          string   `json:"id"`
	Title       string   `json:"title,omitempty"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation,omitempty"`
	Controls    Controls `json:"controls"`
	// Evidence names the evidence items the result is about.
	Evidence []string `json:"evidence,omitempty"`
	// Package is the Rego package that produced it (e.g. mlsec.gate).
	Package string `json:"package"`
	// Waiver is the exception that waived it (Decision.Exceptions only).
	Waiver *Exception `json:"waiver,omitempty"`
}

// Exception is a documented waiver: it waives the results of one rule id
// (optionally for one subject) until it expires.
type Exception struct {
	Rule    string `json:"rule"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
	Reason  string `json:"reason,omitempty"`
	// Subject and Digest restrict it to a model name / OMS root digest.
	Subject string `json:"subject,omitempty"`
	Digest  string `json:"digest,omitempty"`
	// Source is where it was declared (data file or policy package).
	Source string `json:"source,omitempty"`
}

// Decision is the outcome: Allowed unless some deny was not waived.
type Decision struct {
	Allowed bool `json:"allowed"`
	// Profile is the policy profile decided with (baseline, strict).
	Profile    string   `json:"profile,omitempty"`
	Denies     []Result `json:"denies"`
	Warnings   []Result `json:"warnings"`
	Exceptions []Result `json:"exceptions"`
	// Disabled lists rule ids turned off by data.mlsec.disabled_rules.
	Disabled []string `json:"disabled,omitempty"`
}

// Engine-generated result ids.
const (
	RuleExceptionExpired = "MLSEC-EXC-001"
	RuleExceptionInvalid = "MLSEC-EXC-002"
)

// decide turns the evaluated mlsec.gate tree into a Decision.
func (e *Engine) decide(root map[string]any, input map[string]any, now time.Time) (*Decision, error) {
	d := &Decision{Profile: e.profile, Denies: []Result{}, Warnings: []Result{}, Exceptions: []Result{}}
	var denies, warns []Result
	var excs []Exception
	for _, keys := range e.packages {
		node := any(root)
		for _, k := range keys {
			m, _ := node.(map[string]any)
			node = m[k]
		}
		pkg, _ := node.(map[string]any)
		pkgName := strings.Join(append([]string{GatePackage}, keys...), ".")
		names := make([]string, 0, len(pkg))
		for n := range pkg {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			kind := kindOf(name)
			if kind == "" {
				continue
			}
			set, ok := pkg[name].([]any)
			if !ok {
				return nil, fmt.Errorf("%w: %s.%s must be a set (write '%s contains ... if'), got %T", ErrPolicy, pkgName, name, name, pkg[name])
			}
			for _, v := range set {
				if kind == "exception" {
					excs = append(excs, exceptionFrom(v, pkgName))
					continue
				}
				r, err := e.resultFrom(v, pkgName, name)
				if err != nil {
					return nil, err
				}
				if kind == "deny" {
					denies = append(denies, r)
				} else {
					warns = append(warns, r)
				}
			}
		}
	}
	mlsec, _ := e.data["mlsec"].(map[string]any)
	if l, ok := mlsec["exceptions"].([]any); ok {
		for _, v := range l {
			excs = append(excs, exceptionFrom(v, "data.mlsec.exceptions"))
		}
	} else if mlsec["exceptions"] != nil {
		return nil, fmt.Errorf("%w: data.mlsec.exceptions must be a list", ErrPolicy)
	}
	if l, ok := input["exceptions"].([]any); ok {
		for _, v := range l {
			excs = append(excs, exceptionFrom(v, "input.exceptions"))
		}
	} else if input["exceptions"] != nil {
		return nil, fmt.Errorf("%w: input.exceptions must be a list", ErrPolicy)
	}
	disabled := strs(mlsec["disabled_rules"])
	d.Disabled = disabled

	subj, _ := input["subject"].(map[string]any)
	subjName, _ := subj["name"].(string)
	dig, _ := subj["digest"].(map[string]any)
	subjDigest, _ := dig["sha256"].(string)

	var active []Exception
	for _, x := range excs {
		switch exp, err := x.expiry(); {
		case err != nil:
			d.Warnings = append(d.Warnings, e.engineResult(RuleExceptionInvalid, fmt.Sprintf("exception from %s for rule %q is not applied: %v", x.Source, x.Rule, err)))
		case !now.Before(exp):
			if x.appliesTo(subjName, subjDigest) {
				d.Warnings = append(d.Warnings, e.engineResult(RuleExceptionExpired, fmt.Sprintf("exception for rule %s owned by %s expired on %s and no longer applies", x.Rule, x.Owner, x.Expires)))
			}
		case x.appliesTo(subjName, subjDigest):
			active = append(active, x)
		}
	}
	waive := func(rs []Result, into *[]Result) {
		for _, r := range rs {
			if slices.Contains(disabled, r.ID) {
				continue
			}
			idx := slices.IndexFunc(active, func(x Exception) bool { return x.Rule == r.ID })
			if idx >= 0 {
				w := active[idx]
				r.Waiver = &w
				d.Exceptions = append(d.Exceptions, r)
				continue
			}
			*into = append(*into, r)
		}
	}
	waive(denies, &d.Denies)
	waive(warns, &d.Warnings)
	for _, l := range [][]Result{d.Denies, d.Warnings, d.Exceptions} {
		sort.SliceStable(l, func(i, j int) bool {
			if l[i].ID != l[j].ID {
				return l[i].ID < l[j].ID
			}
			return l[i].Message < l[j].Message
		})
	}
	d.Allowed = len(d.Denies) == 0
	return d, nil
}

// resultFrom normalises one element of a deny/warn set: a string (plain
// Conftest style) or an object {id, msg, ...}. Missing fields are filled
// from the rule registry by id.
func (e *Engine) resultFrom(v any, pkg, rule string) (Result, error) {
	r := Result{Package: pkg}
	switch x := v.(type) {
	case string:
		r.Message = x
	case map[string]any:
		r.ID, _ = x["id"].(string)
		r.Title, _ = x["title"].(string)
		r.Message, _ = x["msg"].(string)
		if r.Message == "" {
			r.Message, _ = x["message"].(string)
		}
		r.Remediation, _ = x["remediation"].(string)
		r.Controls = controlsFrom(x["controls"])
		r.Evidence = strs(x["evidence"])
	default:
		b, _ := json.Marshal(v)
		r.Message = string(b)
	}
	if r.ID == "" {
		r.ID = pkg + "." + rule
	}
	if r.Message == "" {
		return r, fmt.Errorf("%w: a %s result of %s has no message (use a string or {\"msg\": ...})", ErrPolicy, rule, pkg)
	}
	if info, ok := e.rules[r.ID]; ok {
		if r.Title == "" {
			r.Title = info.Title
		}
		if r.Remediation == "" {
			r.Remediation = info.Remediation
		}
		if r.Controls.empty() {
			r.Controls = info.Controls
		}
	}
	return r, nil
}

// engineRules are the results the engine itself reports (not Rego).
var engineRules = []Rule{
	{ID: RuleExceptionExpired, Kind: "warn", Title: "Expired exception",
		Description: "An exception whose expiry date has passed no longer waives anything; the results it waived are back.",
		Remediation: "Fix the waived problem, or renew the exception with a new expiry date after review.",
		Controls:    Controls{NISTAIRMF: []string{"GOVERN 1.5", "MANAGE 1.3"}}, Location: "engine"},
	{ID: RuleExceptionInvalid, Kind: "warn", Title: "Invalid exception",
		Description: "An exception without a rule, an owner or an expiry date, or with an unreadable date, is not applied.",
		Remediation: "Give every exception a rule id, an owner and an expiry date (YYYY-MM-DD or RFC 3339).",
		Controls:    Controls{NISTAIRMF: []string{"GOVERN 1.5", "MANAGE 1.3"}}, Location: "engine"},
}

// EngineRules describes the results the engine reports itself (expired
// and invalid exceptions), for rule catalogues.
func EngineRules() []Rule { return slices.Clone(engineRules) }

func (e *Engine) engineResult(id, msg string) Result {
	r := Result{ID: id, Message: msg, Package: "engine"}
	for _, er := range engineRules {
		if er.ID == id {
			r.Title, r.Remediation, r.Controls = er.Title, er.Remediation, er.Controls
		}
	}
	return r
}

// Levels says what a rule does under each built-in profile: deny, warn,
// or off (a rule a profile does not enable, such as MLSEC-DRIFT-002
// without comparisons). Rules whose level no data key chooses have their
// kind under every profile.
func Levels(r Rule) map[string]string {
	out := map[string]string{}
	for _, p := range Profiles() {
		out[p] = r.Kind
		if r.LevelFrom == "" {
			continue
		}
		d, err := ProfileData(p)
		if err != nil {
			continue
		}
		m, _ := d["mlsec"].(map[string]any)
		switch v := m[r.LevelFrom].(type) {
		case string:
			out[p] = v
		case []any:
			if len(v) == 0 {
				out[p] = "off"
			}
		}
	}
	return out
}

func exceptionFrom(v any, source string) Exception {
	m, _ := v.(map[string]any)
	s := func(k string) string { x, _ := m[k].(string); return x }
	x := Exception{Rule: s("rule"), Owner: s("owner"), Expires: s("expires"), Reason: s("reason"), Subject: s("subject"), Digest: s("digest"), Source: source}
	if x.Rule == "" {
		x.Rule = s("rule_id")
	}
	return x
}

// expiry validates the exception and returns the instant it stops applying.
// A date without time means the end of that day, UTC.
func (x Exception) expiry() (time.Time, error) {
	var missing []string
	if x.Rule == "" {
		missing = append(missing, "rule")
	}
	if x.Owner == "" {
		missing = append(missing, "owner")
	}
	if x.Expires == "" {
		missing = append(missing, "expires")
	}
	if len(missing) > 0 {
		return time.Time{}, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	if t, err := time.Parse(time.DateOnly, x.Expires); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, x.Expires)
	if err != nil {
		return time.Time{}, fmt.Errorf("expires %q is neither YYYY-MM-DD nor RFC 3339", x.Expires)
	}
	return t, nil
}

func (x Exception) appliesTo(name, digest string) bool {
	return (x.Subject == "" || x.Subject == name) && (x.Digest == "" || strings.EqualFold(x.Digest, digest))
}
