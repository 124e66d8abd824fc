package pii

// A CellScanner is the fast path for many short values, such as the cells
// of a table column: it reuses its buffers, skips recognizers whose
// trigger bytes a cell lacks (no digit: no card, phone, date...), and
// counts what it finds per entity type. It is not safe for concurrent
// use; make one per goroutine.
type CellScanner struct {
	a       *Analyzer
	spans   []Span
	counts  [numEntities + 1]EntityCount
	cells   int
	withAny int
}

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
	if column == "" {
		c.spans = c.a.AppendSpans(c.spans[:0], cell)
	} else {
		c.spans = c.a.AppendSpans(c.spans[:0], cell, column)
	}
	if len(c.spans) == 0 {
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

// Reset clears the counts.
func (c *CellScanner) Reset() {
	c.counts = [numEntities + 1]EntityCount{}
	c.cells, c.withAny = 0, 0
}
