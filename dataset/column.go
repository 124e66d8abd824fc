package dataset

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mlsec/mlsec/pii"
)

// Column is what one column (or JSON path, or "text") of a file holds.
type Column struct {
	Name string `json:"name"`
	// Values is the number of non-null values analysed.
	Values int64 `json:"values"`
	// WithPII is the number of values holding at least one entity; Share is
	// WithPII / Values.
	WithPII int64   `json:"values_with_pii"`
	Share   float64 `json:"share"`
	// Entities counts, per entity type, the values holding at least one.
	Entities map[pii.Entity]int64 `json:"entities,omitempty"`
	// Samples are up to MaxSamples values holding an entity, each with
	// every span replaced by "<ENTITY_TYPE>" and cut to SampleChars.
	Samples []string `json:"samples,omitempty"`
	// Sensitive is set when the column looks like a sensitive attribute.
	Sensitive *Sensitive `json:"sensitive_attribute,omitempty"`
}

// Samples are bounded so a report stays small and never becomes a copy of
// the data.
const (
	MaxSamples  = 3
	SampleChars = 60
	// maxDistinct bounds the distinct values a column keeps for the
	// sensitive-attribute check: categorical attributes have few.
	maxDistinct = 64
)

// columnAcc accumulates one column while rows stream by.
type columnAcc struct {
	col      Column
	cells    *pii.CellScanner // remembers the column's clean values
	distinct map[string]int64
	overflow bool
}

func newColumnAcc(a *pii.Analyzer, name string) *columnAcc {
	return &columnAcc{col: Column{Name: name}, cells: a.NewCellScanner(), distinct: map[string]int64{}}
}

// add analyses one non-null value.
func (c *columnAcc) add(v string) {
	c.col.Values++
	c.keep(v)
	spans := c.cells.Scan(v, c.col.Name)
	if len(spans) == 0 {
		return
	}
	ents := entitySet(spans)
	if len(c.col.Samples) < MaxSamples {
		if s := redactedSample(v, spans); !slices.Contains(c.col.Samples, s) {
			c.col.Samples = append(c.col.Samples, s)
		}
	}
	c.count(ents)
}

// entitySet is the distinct entity types of spans (nil for none).
func entitySet(spans []pii.Span) []pii.Entity {
	var out []pii.Entity
	for _, s := range spans {
		if !slices.Contains(out, s.Entity) {
			out = append(out, s.Entity)
		}
	}
	return out
}

// count records the entity types one value held.
func (c *columnAcc) count(ents []pii.Entity) {
	if len(ents) == 0 {
		return
	}
	c.col.WithPII++
	if c.col.Entities == nil {
		c.col.Entities = map[pii.Entity]int64{}
	}
	for _, e := range ents {
		c.col.Entities[e]++
	}
}

// addClean records a value known to hold no entity.
func (c *columnAcc) addClean(v string) {
	c.col.Values++
	c.keep(v)
}

// addSpans records a value analysed elsewhere (JSON and text files go
// through pii.Analyzer.ScanFile, which reports spans without values).
func (c *columnAcc) addSpans(spans []pii.Span) {
	c.col.Values++
	c.count(entitySet(spans))
}

func (c *columnAcc) keep(v string) {
	if c.overflow {
		return
	}
	v = strings.TrimSpace(v)
	if _, ok := c.distinct[v]; !ok && len(c.distinct) >= maxDistinct {
		c.overflow = true
		c.distinct = nil
		return
	}
	c.distinct[v]++
}

// finish fills the counts and the sensitive-attribute verdict.
func (c *columnAcc) finish() Column {
	if c.col.Values > 0 {
		c.col.Share = float64(c.col.WithPII) / float64(c.col.Values)
	}
	var values []string
	if !c.overflow {
		values = make([]string, 0, len(c.distinct))
		for v := range c.distinct {
			values = append(values, v)
		}
		sort.Strings(values)
	}
	c.col.Sensitive = DetectSensitive(c.col.Name, values, c.overflow)
	return c.col
}

// redactedSample replaces every span of v by its entity type and cuts the
// result to SampleChars characters.
func redactedSample(v string, spans []pii.Span) string {
	spans = append([]pii.Span(nil), spans...)
	sort.Slice(spans, func(i, j int) bool { return spans[i].ByteStart < spans[j].ByteStart })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		if s.ByteStart < last || s.ByteEnd > len(v) {
			continue
		}
		b.WriteString(v[last:s.ByteStart])
		b.WriteString("<" + string(s.Entity) + ">")
		last = s.ByteEnd
	}
	b.WriteString(v[last:])
	out := b.String()
	if utf8.RuneCountInString(out) > SampleChars {
		r := []rune(out)
		out = string(r[:SampleChars-1]) + "…"
	}
	return out
}
