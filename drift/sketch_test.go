package drift

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/mlsec/mlsec/internal/cputime"
)

func numericProfile(name string, xs []float64) *Profile {
	p := NewProfile(name, []ColumnSpec{{"x", KindNumber}})
	row := make([]Value, 1)
	for _, x := range xs {
		row[0] = Value{Num: x, IsNum: true}
		_ = p.Update(row)
	}
	return p
}

func normal(r *rand.Rand, n int, mu, sd float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = mu + sd*r.NormFloat64()
	}
	return out
}

// A profile that never compacted is exact: its report equals the batch one.
func TestProfileExactWhenSmall(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	a, b := normal(r, 800, 0, 1), normal(r, 900, 0.3, 1)
	want, err := Compare(&Table{Name: "r", Columns: []*Column{NumericColumn("x", a, false)}}, &Table{Name: "c", Columns: []*Column{NumericColumn("x", b, false)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := CompareProfiles(numericProfile("r", a), numericProfile("c", b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Columns[0].Score != want.Columns[0].Score || got.Columns[0].PSI != want.Columns[0].PSI || got.Approximate {
		t.Fatalf("profile %v/%v approx %v, batch %v/%v", got.Columns[0].Score, got.Columns[0].PSI, got.Approximate, want.Columns[0].Score, want.Columns[0].PSI)
	}
}

// A compacted profile of a column with few distinct values is still exact.
func TestProfileExactWithFewValues(t *testing.T) {
	t.Parallel()
	a, b := make([]float64, 50000), make([]float64, 40000)
	for i := range a {
		a[i] = float64(i % 37)
	}
	for i := range b {
		b[i] = float64(3 + i%41)
	}
	want, err := Compare(&Table{Name: "r", Columns: []*Column{NumericColumn("x", a, true)}}, &Table{Name: "c", Columns: []*Column{NumericColumn("x", b, true)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := CompareProfiles(numericProfile("r", a), numericProfile("c", b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Columns[0].Score != want.Columns[0].Score || got.Columns[0].PSI != want.Columns[0].PSI || got.Approximate {
		t.Fatalf("profile %v/%v, batch %v/%v", got.Columns[0].Score, got.Columns[0].PSI, want.Columns[0].Score, want.Columns[0].PSI)
	}
}

// sketchError measures, on n rows per side, the largest difference between
// the sketch and the exact answer for the KS statistic, the Wasserstein
// score and PSI (the window is built from 4 merged parts, as gateway
// replicas would).
func sketchError(t testing.TB, n int) (ks, w, psiErr float64) {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	a, b := normal(r, n, 0, 1), normal(r, n, 0.05, 1.1)
	ref := numericProfile("r", a)
	cur := numericProfile("c", nil)
	for part := 0; part < 4; part++ {
		win := cur.NewWindow("part")
		for _, x := range b[part*n/4 : (part+1)*n/4] {
			win.Columns[0].AddNumber(x, false)
		}
		if err := cur.Merge(win); err != nil {
			t.Fatal(err)
		}
	}
	exactRef, exactCur := NumericColumn("x", a, false), NumericColumn("x", b, false)
	sr, sc := ref.Columns[0].column(), cur.Columns[0].column()
	ks = math.Abs(ksStatistic(exactRef.Values, exactRef.Weights, exactCur.Values, exactCur.Weights) - ksStatistic(sr.Values, nil, sc.Values, nil))
	wExact := wassersteinNorm(exactRef.Values, exactRef.Weights, exactCur.Values, exactCur.Weights)
	wSketch, _ := score(MethodWasserstein, Numerical, sr, sc)
	w = math.Abs(wExact - wSketch)
	p1, q1, _ := binned(Numerical, exactRef, exactCur)
	p2, q2, _ := binned(Numerical, sr, sc)
	for _, s := range [][]float64{p1, q1, p2, q2} {
		zeroFill(s)
	}
	psiErr = math.Abs(psi(p1, q1) - psi(p2, q2))
	return ks, w, psiErr
}

func TestSketchErrorAgainstExact(t *testing.T) {
	t.Parallel()
	sizes := []int{1_000_000}
	if os.Getenv("MLSEC_DRIFT_SKETCH_1E7") != "" { // ≈ 30 s: docs/drift.md
		sizes = append(sizes, 10_000_000)
	}
	for _, n := range sizes {
		ks, w, p := sketchError(t, n)
		t.Logf("n=%d: |ΔKS D| = %.5f, |Δwasserstein| = %.5f, |ΔPSI| = %.5f", n, ks, w, p)
		// PSI's outer Sturges bins hold shares (≈1e-7) below the sketch's
		// resolution, and the zero fill magnifies them: a looser bound.
		if ks > 0.01 || w > 0.01 || p > 0.05 {
			t.Errorf("n=%d: sketch error KS %.4f, W %.4f (bound 0.01), PSI %.4f (bound 0.05)", n, ks, w, p)
		}
	}
}

func TestProfileJSONRoundTrip(t *testing.T) {
	t.Parallel()
	p := NewProfile("ref", []ColumnSpec{{"x", KindNumber}, {"c", KindString}})
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 50000; i++ {
		_ = p.Update([]Value{{Num: r.NormFloat64(), IsNum: true}, {Str: strconv.Itoa(r.IntN(7))}})
	}
	var buf bytes.Buffer
	if err := WriteProfile(&buf, p); err != nil {
		t.Fatal(err)
	}
	q, err := ReadProfile(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CompareProfiles(p, q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.NumberOfDriftedColumns != 0 || float64(rep.Columns[0].Score) != 0 || float64(rep.Columns[1].Score) != 0 {
		t.Fatalf("a profile compared with its own round trip drifts: %+v", rep.Columns)
	}
	if err := p.Merge(NewProfile("other", []ColumnSpec{{"y", KindNumber}})); err == nil {
		t.Fatal("merging profiles with different columns succeeded")
	}
}

func TestCategoryCap(t *testing.T) {
	t.Parallel()
	p := NewProfile("w", []ColumnSpec{{"c", KindString}})
	for i := 0; i < MaxCategories+5; i++ {
		_ = p.Update([]Value{{Str: strconv.Itoa(i)}})
	}
	c := p.Columns[0]
	if len(c.Counts) != MaxCategories || c.Other != 5 || !c.Truncated {
		t.Fatalf("counts %d other %d truncated %v", len(c.Counts), c.Other, c.Truncated)
	}
}

// BenchmarkProfileUpdate20 updates a 20-column window (10 numeric, 10
// categorical columns): the gateway's per-request cost.
func BenchmarkProfileUpdate20(b *testing.B) {
	benchUpdate(b, 10)
}

// BenchmarkProfileUpdate20Numeric is the worst case: 20 numeric columns.
func BenchmarkProfileUpdate20Numeric(b *testing.B) {
	benchUpdate(b, 20)
}

func benchUpdate(b *testing.B, numeric int) {
	var specs []ColumnSpec
	for i := 0; i < 20; i++ {
		k := KindString
		if i < numeric {
			k = KindNumber
		}
		specs = append(specs, ColumnSpec{"c" + strconv.Itoa(i), k})
	}
	r := rand.New(rand.NewPCG(5, 6))
	rows := make([][]Value, 4096)
	cats := []string{"red", "green", "blue", "black", "white", "grey", "pink", "teal"}
	for i := range rows {
		rows[i] = make([]Value, 20)
		for j := range rows[i] {
			if j < numeric {
				rows[i][j] = Value{Num: r.NormFloat64(), IsNum: true}
			} else {
				rows[i][j] = Value{Str: cats[r.IntN(len(cats))]}
			}
		}
	}
	p := NewProfile("w", specs)
	b.ResetTimer()
	cpu0 := cputime.Process().Seconds()
	for i := 0; i < b.N; i++ {
		_ = p.Update(rows[i%len(rows)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu := cputime.Process().Seconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu, "rows/cpu-s")
	}
}

func TestSortFloats(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 9))
	// Large sizes take the bounded big-sort path; small integers skip most
	// byte passes, so the sorted keys can end in either buffer.
	for _, n := range []int{0, 1, 5, 63, 64, 1000, 4096, 1 << 17, -4096, -(1 << 17)} {
		ints := n < 0
		n = max(n, -n)
		xs := make([]float64, n)
		for i := range xs {
			if ints {
				xs[i] = float64(r.IntN(300))
				continue
			}
			switch r.IntN(4) {
			case 0:
				xs[i] = -r.ExpFloat64() * 1e6
			case 1:
				xs[i] = 0
			default:
				xs[i] = r.NormFloat64()
			}
		}
		want := append([]float64(nil), xs...)
		slices.Sort(want)
		sortFloats(xs, nil)
		if !slices.Equal(xs, want) {
			t.Fatalf("n=%d: radix sort differs from slices.Sort", n)
		}
	}
}

func nan() float64 { return math.NaN() }
