package fairness

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGroupCellWidths checks each group's rows and positives against a
// naive count, for few combinations (one byte a row, one pass), 300
// possible but 100 present (one byte, two passes), 300 groups (int32) and
// more combinations than the dense array takes (the map path), with
// missing values leaving rows out of every group.
func TestGroupCellWidths(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ a, b, used int }{{3, 1, 3}, {300, 1, 100}, {300, 1, 300}, {300, 300, 300}} {
		t.Run(fmt.Sprintf("%dx%d used %d", c.a, c.b, c.used), func(t *testing.T) {
			t.Parallel()
			const n = 20_000
			r := rand.New(rand.NewPCG(uint64(c.a), uint64(c.b)))
			d := &Data{YTrue: make([]bool, n), YPred: make([]bool, n)}
			fa := Feature{Name: "a", Codes: make([]uint32, n)}
			fb := Feature{Name: "b", Numeric: true, Num: make([]float64, n)}
			for i := range c.a {
				fa.Dict = append(fa.Dict, fmt.Sprintf("v%03d", i))
			}
			type key struct {
				a string
				b float64
			}
			rows, pos := map[key]int64{}, map[key]int64{}
			ungrouped := int64(0)
			for i := range n {
				d.YTrue[i], d.YPred[i] = r.IntN(2) == 1, r.IntN(3) == 1
				fa.Codes[i] = uint32(r.IntN(c.used))
				fb.Num[i] = float64(r.IntN(c.b))
				if r.IntN(50) == 0 {
					fa.Codes[i] = MissingCode
				}
				if fa.Codes[i] == MissingCode {
					ungrouped++
					continue
				}
				k := key{fa.Dict[fa.Codes[i]], fb.Num[i]}
				rows[k]++
				if d.YTrue[i] {
					pos[k]++
				}
			}
			d.Features = []Feature{fa, fb}
			opt := DefaultOptions()
			opt.Missing = MissingDrop
			res, err := Evaluate(d, opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.ByGroup) != len(rows) || res.Ungrouped != ungrouped {
				t.Fatalf("%d groups, %d ungrouped; want %d, %d", len(res.ByGroup), res.Ungrouped, len(rows), ungrouped)
			}
			for i, g := range res.ByGroup {
				k := key{g.Group.Levels[0].Str, g.Group.Levels[1].Num}
				if got := int64(g.Metrics[Count]); got != rows[k] || g.Positives != pos[k] {
					t.Fatalf("group %s: %d rows, %d positives; want %d, %d", g.Group, got, g.Positives, rows[k], pos[k])
				}
				if i > 0 && g.Group.String() <= res.ByGroup[i-1].Group.String() && c.b == 1 {
					t.Fatalf("groups out of order: %s after %s", g.Group, res.ByGroup[i-1].Group)
				}
			}
		})
	}
}
