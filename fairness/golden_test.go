package fairness

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// The golden file holds fairlearn 0.12's numbers for every case
// (testdata/gen_reference.py wrote it; it never runs in CI).
type goldenFile struct {
	Fairlearn string       `json:"fairlearn"`
	Cases     []goldenCase `json:"cases"`
}

type goldenCase struct {
	Name     string         `json:"name"`
	Input    goldenInput    `json:"input"`
	Expected goldenExpected `json:"expected"`
}

type goldenInput struct {
	File      string                     `json:"file"`
	YTrueCol  string                     `json:"-"`
	YTrue     json.RawMessage            `json:"y_true"`
	YPred     json.RawMessage            `json:"y_pred"`
	YScore    json.RawMessage            `json:"y_score"`
	Sensitive map[string][]any           `json:"sensitive"`
	Order     []string                   `json:"sensitive_order"`
	PosLabel  any                        `json:"pos_label"`
	Missing   string                     `json:"missing"`
	Extra     map[string]json.RawMessage `json:"-"`
}

type goldenGroup struct {
	Group   map[string]any `json:"group"`
	Metrics Values         `json:"metrics"`
}

type goldenExpected struct {
	Overall         Values                       `json:"overall"`
	ByGroup         []goldenGroup                `json:"by_group"`
	EmptyGroups     []map[string]any             `json:"empty_groups"`
	GroupMin        Values                       `json:"group_min"`
	GroupMax        Values                       `json:"group_max"`
	Difference      Aggregate                    `json:"difference"`
	Ratio           Aggregate                    `json:"ratio"`
	FairnessMetrics map[string]map[string]Number `json:"fairness_metrics"`
}

func readGolden(t *testing.T) goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "fairlearn.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 20 {
		t.Fatalf("golden file has %d cases", len(g.Cases))
	}
	return g
}

func labelOf(v any) LabelValue {
	switch x := v.(type) {
	case float64:
		return LabelValue{Raw: strconv.FormatFloat(x, 'g', -1, 64), Num: x, IsNum: true}
	case string:
		lv := LabelValue{Raw: x}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			lv.Num, lv.IsNum = f, true
		}
		return lv
	}
	panic(fmt.Sprintf("label %T", v))
}

// inlineData builds Data from an inline golden input the way Load would.
func inlineData(t *testing.T, in goldenInput) (*Data, MissingPolicy) {
	t.Helper()
	var yt, yp []any
	if err := json.Unmarshal(in.YTrue, &yt); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(in.YPred, &yp); err != nil {
		t.Fatal(err)
	}
	lab := Labels{PosLabel: labelOf(in.PosLabel).Raw}
	ti, pi := make([]uint8, len(yt)), make([]uint8, len(yp))
	for i := range yt {
		var err error
		if ti[i], err = lab.Index(labelOf(yt[i])); err != nil {
			t.Fatal(err)
		}
		if pi[i], err = lab.Index(labelOf(yp[i])); err != nil {
			t.Fatal(err)
		}
	}
	pos, err := lab.Positive()
	if err != nil {
		t.Fatal(err)
	}
	d := &Data{YTrue: make([]bool, len(yt)), YPred: make([]bool, len(yp))}
	for i := range yt {
		d.YTrue[i] = int(ti[i]) == pos
		d.YPred[i] = int(pi[i]) == pos
	}
	if len(in.YScore) > 0 {
		if err := json.Unmarshal(in.YScore, &d.Score); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range in.Order {
		vals := in.Sensitive[name]
		numeric := true
		for _, v := range vals {
			if _, ok := v.(string); ok {
				numeric = false
			}
		}
		f := Feature{Name: name, Numeric: numeric}
		codes := map[string]uint32{}
		for _, v := range vals {
			switch x := v.(type) {
			case nil:
				if numeric {
					f.Num = append(f.Num, math.NaN())
				} else {
					f.Codes = append(f.Codes, MissingCode)
				}
			case float64:
				f.Num = append(f.Num, x)
			case string:
				c, ok := codes[x]
				if !ok {
					c = uint32(len(f.Dict))
					codes[x] = c
					f.Dict = append(f.Dict, x)
				}
				f.Codes = append(f.Codes, c)
			}
		}
		d.Features = append(d.Features, f)
	}
	p, err := ParseMissing(in.Missing)
	if err != nil {
		t.Fatal(err)
	}
	return d, p
}

const tol = 1e-9

func near(a, b Number) bool {
	if !a.Defined() || !b.Defined() {
		return a.Defined() == b.Defined()
	}
	return math.Abs(float64(a-b)) <= tol
}

func compareValues(t *testing.T, where string, got, want Values) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d metrics, want %d (%v vs %v)", where, len(got), len(want), got, want)
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no %s", where, k)
			continue
		}
		if !near(g, w) {
			t.Errorf("%s %s = %v, fairlearn %v", where, k, g, w)
		}
	}
}

func groupJSON(t *testing.T, k GroupKey) string {
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mapJSON(t *testing.T, cols []string, m map[string]any) string {
	k := GroupKey{Columns: cols}
	for _, c := range cols {
		switch x := m[c].(type) {
		case float64:
			k.Levels = append(k.Levels, Level{Numeric: true, Num: x})
		case string:
			k.Levels = append(k.Levels, Level{Str: x})
		default:
			t.Fatalf("group value %T", x)
		}
	}
	return groupJSON(t, k)
}

// compareResult checks every number of res against fairlearn's.
func compareResult(t *testing.T, res *Result, in goldenInput, want goldenExpected) {
	t.Helper()
	compareValues(t, "overall", res.Overall, want.Overall)
	compareValues(t, "group_min", res.GroupMin, want.GroupMin)
	compareValues(t, "group_max", res.GroupMax, want.GroupMax)
	compareValues(t, "difference between_groups", res.Difference.BetweenGroups, want.Difference.BetweenGroups)
	compareValues(t, "difference to_overall", res.Difference.ToOverall, want.Difference.ToOverall)
	compareValues(t, "ratio between_groups", res.Ratio.BetweenGroups, want.Ratio.BetweenGroups)
	compareValues(t, "ratio to_overall", res.Ratio.ToOverall, want.Ratio.ToOverall)
	if len(res.ByGroup) != len(want.ByGroup) {
		t.Fatalf("%d groups, fairlearn %d", len(res.ByGroup), len(want.ByGroup))
	}
	for i, g := range res.ByGroup {
		wk := mapJSON(t, in.Order, want.ByGroup[i].Group)
		if gk := groupJSON(t, g.Group); gk != wk {
			t.Fatalf("group %d is %s, fairlearn %s", i, gk, wk)
		}
		compareValues(t, "by_group "+g.Group.String(), g.Metrics, want.ByGroup[i].Metrics)
	}
	if len(res.EmptyGroups) != len(want.EmptyGroups) || res.EmptyTotal != len(want.EmptyGroups) {
		t.Fatalf("%d empty groups (total %d), fairlearn %d", len(res.EmptyGroups), res.EmptyTotal, len(want.EmptyGroups))
	}
	for i, e := range res.EmptyGroups {
		if got, w := groupJSON(t, e), mapJSON(t, in.Order, want.EmptyGroups[i]); got != w {
			t.Errorf("empty group %d is %s, fairlearn %s", i, got, w)
		}
	}
	if len(res.FairnessMetrics) != len(want.FairnessMetrics) {
		t.Errorf("%d fairness metrics, fairlearn %d", len(res.FairnessMetrics), len(want.FairnessMetrics))
	}
	for name, w := range want.FairnessMetrics {
		h := res.FairnessMetrics[name]
		if h == nil {
			t.Errorf("no %s", name)
			continue
		}
		for _, m := range Methods {
			if !near(h.Value(m), w[m]) {
				t.Errorf("%s(method=%s) = %v, fairlearn %v", name, m, h.Value(m), w[m])
			}
		}
	}
}

func TestGoldenFairlearnInline(t *testing.T) {
	t.Parallel()
	g := readGolden(t)
	ran := 0
	for _, c := range g.Cases {
		if c.Input.File != "" {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			d, policy := inlineData(t, c.Input)
			opt := DefaultOptions()
			opt.Missing = policy
			res, err := Evaluate(d, opt)
			if err != nil {
				t.Fatal(err)
			}
			compareResult(t, res, c.Input, c.Expected)
		})
	}
	if ran < 15 {
		t.Fatalf("only %d inline cases", ran)
	}
}
