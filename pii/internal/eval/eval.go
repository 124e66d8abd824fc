// Package eval scores PII spans against labelled data the way
// presidio-evaluator does: per entity type, precision, recall and F2
// (recall weighted, beta 2), with exact matching (same type, same start
// and end) and overlap matching (same type, any shared code point). It
// also counts hits on decoys: labelled strings that look like personal
// data but are not. It backs the quality test and bench/pii.sh; golden
// figures live in pii/testdata/quality.golden.json.
package eval

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// A Label is a gold span: an entity type (or, for a decoy, its kind) and
// code point offsets into one field's text.
type Label struct {
	Field  string `json:"field"`
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Entity string `json:"entity_type"`
}

// A Record is one scored unit: its gold labels, its decoys and the spans
// predicted for it.
type Record struct {
	Gold   []Label
	Decoys []Label
	Pred   []Label
}

// Counts are one entity type's tallies under one matching rule.
type Counts struct {
	Gold      int `json:"gold"`       // labelled spans
	Pred      int `json:"pred"`       // predicted spans
	GoldFound int `json:"gold_found"` // labelled spans matched by a prediction
	PredRight int `json:"pred_right"` // predictions matching a labelled span
}

// Precision, Recall and F2 of the counts; a ratio with nothing to divide by
// is reported as -1 (undefined), not as 0 or 1.
func (c Counts) Precision() float64 { return ratio(c.PredRight, c.Pred) }
func (c Counts) Recall() float64    { return ratio(c.GoldFound, c.Gold) }
func (c Counts) F2() float64 {
	p, r := c.Precision(), c.Recall()
	if p < 0 || r < 0 || p+r == 0 {
		if p == 0 || r == 0 {
			return 0
		}
		return -1
	}
	return 5 * p * r / (4*p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return -1
	}
	return float64(a) / float64(b)
}

// Result holds the tallies of a data set.
type Result struct {
	Exact   map[string]*Counts `json:"exact"`
	Overlap map[string]*Counts `json:"overlap"`
	// DecoyHits counts predictions overlapping a decoy, by decoy kind and
	// predicted type ("ISBN -> PHONE_NUMBER").
	DecoyHits map[string]int `json:"decoy_hits"`
	Decoys    int            `json:"decoys"`
}

// Score tallies records.
func Score(recs []Record) Result {
	res := Result{Exact: map[string]*Counts{}, Overlap: map[string]*Counts{}, DecoyHits: map[string]int{}}
	get := func(m map[string]*Counts, e string) *Counts {
		if m[e] == nil {
			m[e] = &Counts{}
		}
		return m[e]
	}
	for _, r := range recs {
		for _, m := range []map[string]*Counts{res.Exact, res.Overlap} {
			for _, g := range r.Gold {
				get(m, g.Entity).Gold++
			}
			for _, p := range r.Pred {
				get(m, p.Entity).Pred++
			}
		}
		for _, g := range r.Gold {
			exact, over := matches(g, r.Pred)
			if exact {
				res.Exact[g.Entity].GoldFound++
			}
			if over {
				res.Overlap[g.Entity].GoldFound++
			}
		}
		for _, p := range r.Pred {
			exact, over := matches(p, r.Gold)
			if exact {
				res.Exact[p.Entity].PredRight++
			}
			if over {
				res.Overlap[p.Entity].PredRight++
			}
			for _, d := range r.Decoys {
				if p.Field == d.Field && p.Start < d.End && d.Start < p.End {
					res.DecoyHits[d.Entity+" -> "+p.Entity]++
				}
			}
		}
		res.Decoys += len(r.Decoys)
	}
	return res
}

// matches reports whether a label of l's type and field in ls has the same
// offsets (exact) or shares a code point with it (overlap).
func matches(l Label, ls []Label) (exact, over bool) {
	for _, o := range ls {
		if o.Entity != l.Entity || o.Field != l.Field {
			continue
		}
		exact = exact || o.Start == l.Start && o.End == l.End
		over = over || o.Start < l.End && l.Start < o.End
	}
	return exact, over
}

// Entities returns the entity types in the result, sorted.
func (r Result) Entities() []string {
	var es []string
	for e := range r.Overlap {
		es = append(es, e)
	}
	sort.Strings(es)
	return es
}

// WriteTable prints one line per entity type: counts, then precision,
// recall and F2 under exact and overlap matching ("-" when undefined).
func (r Result) WriteTable(w io.Writer, title string) {
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "%-16s %5s %5s | %6s %6s %6s | %6s %6s %6s\n", "entity", "gold", "pred", "P", "R", "F2", "P~", "R~", "F2~")
	for _, e := range r.Entities() {
		x, o := r.Exact[e], r.Overlap[e]
		fmt.Fprintf(w, "%-16s %5d %5d | %6s %6s %6s | %6s %6s %6s\n", e, o.Gold, o.Pred,
			f(x.Precision()), f(x.Recall()), f(x.F2()), f(o.Precision()), f(o.Recall()), f(o.F2()))
	}
	var hits []string
	total := 0
	for k, n := range r.DecoyHits {
		hits = append(hits, fmt.Sprintf("%s: %d", k, n))
		total += n
	}
	sort.Strings(hits)
	if r.Decoys > 0 {
		fmt.Fprintf(w, "decoys: %d labelled, %d predictions on them", r.Decoys, total)
		if len(hits) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(hits, "; "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "P, R, F2: exact match; P~, R~, F2~: overlap match; - means undefined (nothing to count)")
}

func f(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}
