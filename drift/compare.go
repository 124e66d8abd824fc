package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// DefaultDriftShare is Evidently's default dataset drift share.
const DefaultDriftShare = 0.5

// MaxChartCategories bounds the categories kept in a Distribution.
const MaxChartCategories = 30

// Errors wrapped by Compare.
var (
	// ErrColumns: the two tables do not have the same columns, or a
	// requested column is missing.
	ErrColumns = errors.New("column mismatch")
	// ErrType: a column cannot be tested as asked (a numerical method on
	// text, numbers on one side and text on the other).
	ErrType = errors.New("column type")
	// ErrOptions: invalid options (threshold, drift share).
	ErrOptions = errors.New("invalid drift options")
)

// Options configure a comparison; the zero value is Evidently's
// DataDriftPreset defaults.
type Options struct {
	// Columns limits the comparison to these columns (nil: every column of
	// the current table, which must then match the reference's).
	Columns []string
	// Target and Prediction name the label and the model output columns:
	// they are compared too (first), typed by Evidently's legacy rule for
	// them (numerical when numeric with more than 5 distinct values, or a
	// float prediction within [0, 1]; else categorical).
	Target, Prediction string
	// Method applies one method to every column ("" = Evidently's default
	// selection); Methods overrides it per column.
	Method  string
	Methods map[string]string
	// Threshold (nil = the method's default) and per-column Thresholds.
	Threshold  *float64
	Thresholds map[string]float64
	// Types forces a column's type (Evidently's data definition).
	Types map[string]ColumnType
	// DriftShare is the share of drifted columns at which the dataset
	// drifts (0 = 0.5).
	DriftShare float64
}

// Table is a named set of columns.
type Table struct {
	Name    string
	Rows    int
	Columns []*Column
}

// Column returns the column called name.
func (t *Table) Column(name string) (*Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

func (t *Table) names() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// Compare tests every selected column of cur against ref with Evidently
// 0.7's procedure and decides dataset drift.
func Compare(ref, cur *Table, opt Options) (*Report, error) {
	share := opt.DriftShare
	if share == 0 {
		share = DefaultDriftShare
	}
	if share < 0 || share > 1 || math.IsNaN(share) {
		return nil, fmt.Errorf("%w: drift share %g is outside [0, 1]", ErrOptions, share)
	}
	cols, err := selectColumns(ref, cur, opt)
	if err != nil {
		return nil, err
	}
	rep := &Report{Reference: TableInfo{ref.Name, ref.Rows}, Current: TableInfo{cur.Name, cur.Rows}, DriftShare: share, Complete: true, Columns: []ColumnResult{}}
	results := make([]ColumnResult, len(cols))
	errs := make([]error, len(cols))
	parallel(len(cols), func(i int) {
		rc, _ := ref.Column(cols[i])
		cc, _ := cur.Column(cols[i])
		results[i], errs[i] = compareColumn(rc, cc, opt)
	})
	for i, name := range cols {
		if errs[i] != nil {
			return nil, errs[i]
		}
		rc, _ := ref.Column(name)
		cc, _ := cur.Column(name)
		res := results[i]
		switch name {
		case opt.Target:
			res.Role = "target"
		case opt.Prediction:
			res.Role = "prediction"
		}
		rep.Approximate = rep.Approximate || rc.approx || cc.approx
		if res.Status == StatusTested {
			rep.NumberOfColumns++
			if res.Drift {
				rep.NumberOfDriftedColumns++
			}
		} else {
			rep.Complete = false
		}
		rep.Columns = append(rep.Columns, res)
	}
	if rep.NumberOfColumns > 0 {
		rep.ShareOfDriftedColumns = float64(rep.NumberOfDriftedColumns) / float64(rep.NumberOfColumns)
		rep.DatasetDrift = rep.ShareOfDriftedColumns >= share
	}
	return rep, nil
}

// selectColumns returns target, prediction, then the other columns in the
// current table's order (Evidently's order).
func selectColumns(ref, cur *Table, opt Options) ([]string, error) {
	var names []string
	if opt.Columns != nil {
		names = slices.Clone(opt.Columns)
	} else {
		rn, cn := ref.names(), cur.names()
		var onlyRef, onlyCur []string
		for _, n := range rn {
			if !slices.Contains(cn, n) {
				onlyRef = append(onlyRef, n)
			}
		}
		for _, n := range cn {
			if !slices.Contains(rn, n) {
				onlyCur = append(onlyCur, n)
			}
		}
		if len(onlyRef)+len(onlyCur) > 0 {
			var parts []string
			if len(onlyRef) > 0 {
				parts = append(parts, fmt.Sprintf("only in %s: %s", ref.Name, strings.Join(onlyRef, ", ")))
			}
			if len(onlyCur) > 0 {
				parts = append(parts, fmt.Sprintf("only in %s: %s", cur.Name, strings.Join(onlyCur, ", ")))
			}
			return nil, fmt.Errorf("%w: %s; compare the common columns with --columns", ErrColumns, strings.Join(parts, "; "))
		}
		names = cn
	}
	var out []string
	for _, n := range []string{opt.Target, opt.Prediction} {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, n := range out {
		for _, t := range []*Table{ref, cur} {
			if _, ok := t.Column(n); !ok {
				return nil, fmt.Errorf("%w: %s has no column %q (it has %s)", ErrColumns, t.Name, n, strings.Join(t.names(), ", "))
			}
		}
	}
	for n := range opt.Methods {
		if !slices.Contains(out, n) {
			return nil, fmt.Errorf("%w: --method names column %q, which is not compared", ErrColumns, n)
		}
	}
	for n := range opt.Thresholds {
		if !slices.Contains(out, n) {
			return nil, fmt.Errorf("%w: --threshold names column %q, which is not compared", ErrColumns, n)
		}
	}
	return out, nil
}

func stats(c *Column) ColumnStats {
	return ColumnStats{Rows: c.Rows, Missing: c.Nulls, Inf: c.Inf, Count: c.Count(), Unique: c.Unique()}
}

// inferType is Evidently 0.7's infer_column_type on the current table
// (the report's data definition comes from the current dataset), or the
// legacy target/prediction rule on both tables.
func inferType(ref, cur *Column, opt Options) ColumnType {
	if t, ok := opt.Types[cur.Name]; ok {
		return t
	}
	if cur.Name == opt.Target || cur.Name == opt.Prediction {
		numeric := ref.Kind == KindNumber && cur.Kind == KindNumber
		if numeric && unionUnique(ref, cur) > 5 {
			return Numerical
		}
		if cur.Name == opt.Prediction && numeric && !(pandasInt(ref) && pandasInt(cur)) && inUnit(ref) && inUnit(cur) {
			return Numerical
		}
		return Categorical
	}
	switch cur.Kind {
	case KindNumber:
		if pandasInt(cur) && cur.Unique() <= 10 {
			return Categorical
		}
		return Numerical
	case KindBool:
		return Categorical
	}
	if float64(cur.Unique()) > 0.5*float64(cur.Count()) {
		return Text
	}
	return Categorical
}

// pandasInt: pandas reads the column as int64 (integers, nothing missing).
func pandasInt(c *Column) bool {
	return c.Kind == KindNumber && c.Integer && c.Nulls == 0 && c.Inf == 0
}

func inUnit(c *Column) bool {
	return len(c.Values) == 0 || (c.Values[0] >= 0 && c.Values[len(c.Values)-1] <= 1)
}

// unionUnique is pd.concat([ref, cur]).nunique() after cleaning.
func unionUnique(ref, cur *Column) int {
	if ref.Unique() >= manyValues || cur.Unique() >= manyValues {
		return manyValues
	}
	if ref.Kind == KindNumber && cur.Kind == KindNumber {
		return mergedRuns(ref.Values, cur.Values)
	}
	return len(categorical(ref, cur).keys)
}

// mergedRuns counts the distinct values of two sorted slices together.
func mergedRuns(a, b []float64) int {
	n, i, j := 0, 0, 0
	for i < len(a) || j < len(b) {
		var x float64
		if j >= len(b) || (i < len(a) && a[i] <= b[j]) {
			x = a[i]
		} else {
			x = b[j]
		}
		n++
		for i < len(a) && a[i] == x {
			i++
		}
		for j < len(b) && b[j] == x {
			j++
		}
	}
	return n
}

func compareColumn(ref, cur *Column, opt Options) (ColumnResult, error) {
	res := ColumnResult{Column: cur.Name, Reference: stats(ref), CurrentSt: stats(cur), Score: Score(math.NaN()), PSI: Score(math.NaN())}
	if ref.Kind != cur.Kind && ref.Count() > 0 && cur.Count() > 0 {
		return res, fmt.Errorf("%w: column %q holds %s values in the reference but %s values in the current table; fix the data or leave the column out with --columns", ErrType, cur.Name, ref.Kind, cur.Kind)
	}
	res.Type = inferType(ref, cur, opt)
	name := opt.Method
	if m, ok := opt.Methods[cur.Name]; ok {
		name = m
	}
	typ := res.Type
	if typ == Text {
		if name == "" {
			res.Status = StatusSkipped
			res.Reason = "text column (more than half of its values are distinct): Evidently's text-content drift is not implemented; test it as categorical with --method " + cur.Name + "=chisquare or jensenshannon"
			return res, nil
		}
		typ = Categorical
	}
	switch {
	case ref.Count() == 0:
		res.Status, res.Reason = StatusEmpty, "no value left in the reference after dropping missing values and infinities"
		return res, nil
	case cur.Count() == 0:
		res.Status, res.Reason = StatusEmpty, "no value left in the current table after dropping missing values and infinities"
		return res, nil
	}
	if typ == Numerical && (ref.Kind != KindNumber || cur.Kind != KindNumber) {
		return res, fmt.Errorf("%w: column %q is typed numerical but holds %s values", ErrType, cur.Name, cur.Kind)
	}
	if name == "" {
		name = DefaultMethod(typ, ref.Count(), unionUnique(ref, cur))
	}
	m, err := LookupMethod(name)
	if err != nil {
		return res, fmt.Errorf("column %q: %w", cur.Name, err)
	}
	if !m.accepts(typ) {
		return res, fmt.Errorf("%w: method %s does not apply to %s column %q (it takes %s)", ErrType, m.Name, typeWord(typ), cur.Name, typeWords(m.Types))
	}
	res.Method, res.StatTest, res.Rule = m.Name, m.Display, m.Rule
	res.Threshold = m.Threshold
	if opt.Threshold != nil {
		res.Threshold = *opt.Threshold
	}
	if t, ok := opt.Thresholds[cur.Name]; ok {
		res.Threshold = t
	}
	score, err := score(m.Name, typ, ref, cur)
	if err != nil {
		return res, fmt.Errorf("column %q: %w", cur.Name, err)
	}
	res.Score = Score(score)
	res.Drift = m.Drifted(score, res.Threshold)
	p, q, dist := binned(typ, ref, cur)
	zeroFill(p)
	zeroFill(q)
	res.PSI = Score(psi(p, q))
	res.Distribution = dist
	res.Status = StatusTested
	res.Why = explain(m, score, res.Threshold, res.Drift)
	return res, nil
}

func typeWord(t ColumnType) string {
	switch t {
	case Numerical:
		return "numerical"
	case Categorical:
		return "categorical"
	}
	return "text"
}

func typeWords(ts []ColumnType) string {
	var w []string
	for _, t := range ts {
		w = append(w, typeWord(t))
	}
	return strings.Join(w, " or ")
}

func explain(m Method, score, threshold float64, drift bool) string {
	if math.IsNaN(score) {
		return fmt.Sprintf("%s is undefined here, so no drift is reported", m.Display)
	}
	cmp := map[Rule][2]string{
		PBelowOrEqual: {"≤", ">"}, PBelow: {"<", "≥"}, AtLeast: {"≥", "<"}, Above: {">", "≤"},
	}[m.Rule]
	op := cmp[1]
	if drift {
		op = cmp[0]
	}
	verdict := "no drift"
	if drift {
		verdict = "drift"
	}
	return fmt.Sprintf("%s %.4g %s threshold %g: %s", m.Display, score, op, threshold, verdict)
}

// score computes method m's statistic.
func score(m string, typ ColumnType, ref, cur *Column) (float64, error) {
	switch m {
	case MethodKS:
		d := ksStatistic(ref.Values, ref.Weights, cur.Values, cur.Weights)
		return ksPValue(d, ref.Count(), cur.Count()), nil
	case MethodWasserstein:
		if ref.approx || cur.approx {
			return cdfDistance(1, ref.Values, nil, cur.Values, nil) / math.Max(stdOf(ref), 0.001), nil
		}
		return wassersteinNorm(ref.Values, ref.Weights, cur.Values, cur.Weights), nil
	case MethodEnergy:
		return energyDistance(ref.Values, ref.Weights, cur.Values, cur.Weights), nil
	case MethodTTest:
		return tTest(ref.Values, ref.Weights, cur.Values, cur.Weights), nil
	case MethodChiSquare:
		cc := categorical(ref, cur)
		return chiSquareGOF(cc.ref, cc.cur, cc.nRef, cc.nCur), nil
	case MethodZ:
		cc := categorical(ref, cur)
		if len(cc.keys) == 1 {
			return 1, nil // both constant and equal
		}
		return zTest(cc.ref[0], cc.nRef, cc.cur[0], cc.nCur), nil
	case MethodHellinger:
		if typ == Categorical {
			p, q := categorical(ref, cur).shares()
			return hellingerShares(p, q), nil
		}
		return hellingerNumeric(ref.Values, ref.Weights, cur.Values, cur.Weights, categorical(ref, cur).nums), nil
	case MethodAnderson:
		return andersonP(ref, cur)
	case MethodCramerVonMises:
		return cramerVonMisesP(ref, cur)
	case MethodMannWhitney:
		return mannWhitneyLess(ref, cur), nil
	case MethodEppsSingleton:
		return eppsSingletonP(ref, cur)
	case MethodMMD:
		return mmdP(ref, cur)
	case MethodFisher:
		return fisherExactP(categorical(ref, cur))
	case MethodGTest:
		return gTestP(categorical(ref, cur)), nil
	case MethodTVD:
		return tvdP(categorical(ref, cur)), nil
	case MethodJensenShannon, MethodPSI, MethodKL:
		p, q, _ := binned(typ, ref, cur)
		if m == MethodJensenShannon {
			return jensenShannon(p, q), nil
		}
		zeroFill(p)
		zeroFill(q)
		if m == MethodPSI {
			return psi(p, q), nil
		}
		return klDiv(p, q), nil
	}
	return 0, fmt.Errorf("%w %q", ErrUnknownMethod, m)
}

func stdOf(c *Column) float64 {
	if c.approx {
		return c.std
	}
	_, sd := meanStd(c.Values, c.Weights)
	return sd
}

// binned is Evidently's get_binned_data without the zero fill: Sturges
// bins over reference ∪ current for a numerical column whose reference has
// more than 20 distinct values, else one bin per distinct value. It also
// returns the chart of the two distributions.
func binned(typ ColumnType, ref, cur *Column) (p, q []float64, d *Distribution) {
	if typ == Numerical && ref.Unique() > 20 {
		lo := math.Min(ref.Values[0], cur.Values[0])
		hi := math.Max(ref.Values[len(ref.Values)-1], cur.Values[len(cur.Values)-1])
		edges := sturgesEdges(ref.Count()+cur.Count(), lo, hi)
		p, q = histShares(ref, edges), histShares(cur, edges)
		return p, q, &Distribution{Edges: edges, Reference: slices.Clone(p), Current: slices.Clone(q)}
	}
	cc := categorical(ref, cur)
	p, q = cc.shares()
	return p, q, chartCategories(cc.keys, p, q)
}

// histShares is histogram(values, edges)/len(values); for a sketched
// column the shares come from the sketch's weights.
func histShares(c *Column, edges []float64) []float64 {
	if c.wVals == nil {
		h := histogram(c.Values, c.Weights, edges)
		n := float64(total(c.Values, c.Weights))
		for i := range h {
			h[i] /= n
		}
		return h
	}
	total := c.wCum[len(c.wCum)-1]
	h := make([]float64, len(edges)-1)
	for i := range h {
		lo := c.wCum[sort.SearchFloat64s(c.wVals, edges[i])]
		var hi float64
		if i == len(h)-1 {
			hi = c.wCum[upperBound(c.wVals, edges[i+1])]
		} else {
			hi = c.wCum[sort.SearchFloat64s(c.wVals, edges[i+1])]
		}
		h[i] = (hi - lo) / total
	}
	return h
}

// chartCategories keeps the MaxChartCategories most frequent categories
// (by reference+current share) in the chart, in key order.
func chartCategories(keys []string, p, q []float64) *Distribution {
	d := &Distribution{}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	if len(idx) > MaxChartCategories {
		sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]]+q[idx[a]] > p[idx[b]]+q[idx[b]] })
		for _, i := range idx[MaxChartCategories:] {
			d.OtherReference += p[i]
			d.OtherCurrent += q[i]
		}
		idx = idx[:MaxChartCategories]
		slices.Sort(idx)
	}
	for _, i := range idx {
		d.Categories = append(d.Categories, keys[i])
		d.Reference = append(d.Reference, p[i])
		d.Current = append(d.Current, q[i])
	}
	return d
}
