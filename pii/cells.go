package pii

import "strings"

// A CellScanner is the fast path for many short values, such as the cells
// of a table column: it reuses its buffers, skips recognizers whose
// trigger bytes a cell lacks (no digit: no card, phone, date...), remembers
// the values of each column that held nothing, and counts what it finds per
// entity type. It is not safe for concurrent use; make one per goroutine.
//
// The cache: categorical columns repeat a few values on every row, and the
// analyzer's answer for a value in a column is always the same, so a value
// found clean is not analysed again in that column (up to maxCleanCells
// values per scanner). Only clean values are kept: a value that held
// personal data is analysed again each time it comes, so the scanner never
// holds personal data beyond the call that found it.
type CellScanner struct {
	a       *Analyzer
	spans   []Span
	counts  [numEntities + 1]EntityCount
	cells   int
	withAny int
	clean   map[cellKey]struct{}
	hit     bool
}

type cellKey struct{ column, value string }

// maxCleanCells bounds a CellScanner's cache of clean values.
const maxCleanCells = 4096

// EntityCount is what a CellScanner found of one entity type: spans in
// total, and cells holding at least one.
type EntityCount struct {
	Entity Entity `json:"entity_type"`
	Spans  int    `json:"spans"`
	Cells  int    `json:"cells"`
}

// NewCellScanner returns a scanner using a's recognizers and threshold.
func (a *Analyzer) NewCellScanner() *CellScanner { return &CellScanner{a: a} }

// Scan analyses one cell of the named column (the column name is field
// context, as in AnalyzeField) and returns its spans; the slice is reused
// by the next call.
func (c *CellScanner) Scan(cell, column string) []Span {
	c.cells++
	k := cellKey{column, cell}
	if _, c.hit = c.clean[k]; c.hit {
		return c.spans[:0]
	}
	if column == "" {
		c.spans = c.a.AppendSpans(c.spans[:0], cell)
	} else {
		c.spans = c.a.AppendSpans(c.spans[:0], cell, column)
	}
	if len(c.spans) == 0 {
		if len(c.clean) < maxCleanCells {
			if c.clean == nil {
				c.clean = map[cellKey]struct{}{}
			}
			// Callers may pass strings over reused buffers: keep copies.
			c.clean[cellKey{strings.Clone(column), strings.Clone(cell)}] = struct{}{}
		}
		return c.spans
	}
	c.withAny++
	var seen [numEntities + 1]bool
	for _, s := range c.spans {
		i := entityIndex(s.Entity)
		if i < 0 {
			i = numEntities // custom types are counted together
		}
		c.counts[i].Spans++
		if !seen[i] {
			seen[i] = true
			c.counts[i].Cells++
		}
	}
	return c.spans
}

// Cached reports whether the last Scan answered from the cache: the value
// was found clean before in the same column.
func (c *CellScanner) Cached() bool { return c.hit }

// Cells returns how many cells were scanned and how many held anything.
func (c *CellScanner) Cells() (scanned, withPII int) { return c.cells, c.withAny }

// Counts returns the per-entity counts, in AllEntities order, leaving out
// types never found; custom recognizers' types are counted as "CUSTOM".
func (c *CellScanner) Counts() []EntityCount {
	var out []EntityCount
	for i, n := range c.counts {
		if n.Spans == 0 {
			continue
		}
		if i < numEntities {
			n.Entity = AllEntities[i]
		} else {
			n.Entity = "CUSTOM"
		}
		out = append(out, n)
	}
	return out
}

// Reset clears the counts (the cache of clean values stays: answers do
// not change).
func (c *CellScanner) Reset() {
	c.counts = [numEntities + 1]EntityCount{}
	c.cells, c.withAny = 0, 0
}
