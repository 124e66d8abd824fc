package manifest

import (
	"bytes"
	"sort"
)

// Change is an item present in both manifests with different digests.
type Change struct {
	Name     string
	Expected []byte
	Actual   []byte
}

// Diff lists how an actual manifest differs from an expected one. Names are
// compared as a set, so the order of either manifest does not matter.
type Diff struct {
	Missing []string // in expected, not on disk
	Extra   []string // on disk, not in expected
	Changed []Change
}

// Empty reports whether the manifests match.
func (d *Diff) Empty() bool {
	return len(d.Missing) == 0 && len(d.Extra) == 0 && len(d.Changed) == 0
}

// Compare returns the differences between expected and actual items.
func Compare(expected, actual []Item) Diff {
	want := make(map[string][]byte, len(expected))
	for _, it := range expected {
		want[it.Name] = it.Digest
	}
	var d Diff
	seen := make(map[string]bool, len(actual))
	for _, it := range actual {
		seen[it.Name] = true
		w, ok := want[it.Name]
		switch {
		case !ok:
			d.Extra = append(d.Extra, it.Name)
		case !bytes.Equal(w, it.Digest):
			d.Changed = append(d.Changed, Change{Name: it.Name, Expected: w, Actual: it.Digest})
		}
	}
	for _, it := range expected {
		if !seen[it.Name] {
			d.Missing = append(d.Missing, it.Name)
		}
	}
	sort.Strings(d.Missing)
	sort.Strings(d.Extra)
	sort.Slice(d.Changed, func(i, j int) bool { return d.Changed[i].Name < d.Changed[j].Name })
	return d
}
