package drift

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// The functions below reproduce, formula for formula, the statistics
// Evidently 0.7 computes with numpy and scipy (trusted-monitoring §2.1). They
// take finite samples sorted ascending (numeric) or aligned count vectors
// (categorical); the caller has already dropped NaN and ±Inf as Evidently
// does.

// sum adds xs with Neumaier compensation: numpy's pairwise summation and a
// naive loop differ by far less than our 1e-6 tolerance, but a compensated
// sum keeps long columns (10^7 rows) well inside it.
func sum(xs []float64) float64 {
	var k kahan
	for _, x := range xs {
		k.add(x)
	}
	return k.value()
}

// kahan is an incremental Neumaier sum.
type kahan struct{ s, c float64 }

func (k *kahan) add(x float64) {
	if math.IsInf(x, 0) || math.IsInf(k.s, 0) || math.IsNaN(x) {
		k.s += x // compensation would turn ∞ into NaN
		return
	}
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}
func (k *kahan) value() float64 {
	if math.IsInf(k.s, 0) || math.IsNaN(k.s) {
		return k.s
	}
	return k.s + k.c
}

// wt is the weight of value i: 1 for a plain sample (w == nil), else its
// count (a run-length-encoded column).
func wt(w []int, i int) int {
	if w == nil {
		return 1
	}
	return w[i]
}

// total is the number of values a (possibly weighted) sample stands for.
func total(xs []float64, w []int) int {
	if w == nil {
		return len(xs)
	}
	n := 0
	for _, c := range w {
		n += c
	}
	return n
}

// meanStd returns the mean and the population standard deviation (ddof 0),
// as np.mean and np.std compute them (two passes).
func meanStd(xs []float64, w []int) (mean, std float64) {
	n := float64(total(xs, w))
	var s kahan
	for i, x := range xs {
		s.add(x * float64(wt(w, i)))
	}
	mean = s.value() / n
	var k kahan
	for i, x := range xs {
		d := x - mean
		k.add(d * d * float64(wt(w, i)))
	}
	return mean, math.Sqrt(k.value() / n)
}

// cdfDistance is scipy.stats._cdf_distance for unweighted samples u and v
// (sorted): ∫|U(x)−V(x)|^p dx over the merged support, W1 for p = 1 and the
// squared-CDF integral used by the energy distance for p = 2.
func cdfDistance(p int, u []float64, wu []int, v []float64, wv []int) float64 {
	nu, nv := float64(total(u, wu)), float64(total(v, wv))
	var acc kahan
	i, j := 0, 0
	ci, cj := 0, 0 // values of u and v ≤ the current merged value
	// Walk the merged sorted values; between consecutive merged values x_k
	// and x_{k+1} the CDFs are constant: U = #{u ≤ x_k}/nu.
	prev := math.Min(u[0], v[0])
	for i < len(u) || j < len(v) {
		var x float64
		switch {
		case j >= len(v) || (i < len(u) && u[i] <= v[j]):
			x = u[i]
		default:
			x = v[j]
		}
		if x != prev {
			d := math.Abs(float64(ci)/nu - float64(cj)/nv)
			if p == 1 {
				acc.add(d * (x - prev))
			} else {
				acc.add(d * d * (x - prev))
			}
			prev = x
		}
		for i < len(u) && u[i] == x {
			ci += wt(wu, i)
			i++
		}
		for j < len(v) && v[j] == x {
			cj += wt(wv, j)
			j++
		}
	}
	if p == 1 {
		return acc.value()
	}
	return math.Sqrt(acc.value())
}

// wassersteinNorm is Evidently's "wasserstein": W1(ref, cur) divided by
// max(std(ref, ddof=0), 0.001).
func wassersteinNorm(ref []float64, wr []int, cur []float64, wc []int) float64 {
	_, sd := meanStd(ref, wr)
	return cdfDistance(1, ref, wr, cur, wc) / math.Max(sd, 0.001)
}

// energyDistance is scipy.stats.energy_distance: √2 · √∫(U−V)².
func energyDistance(ref []float64, wr []int, cur []float64, wc []int) float64 {
	return math.Sqrt2 * cdfDistance(2, ref, wr, cur, wc)
}

// tTest is scipy.stats.ttest_ind(ref, cur) (equal variances, two-sided): the p-value.
func tTest(ref []float64, wr []int, cur []float64, wc []int) float64 {
	n1, n2 := float64(total(ref, wr)), float64(total(cur, wc))
	m1, s1 := meanStd(ref, wr)
	m2, s2 := meanStd(cur, wc)
	// Unbiased variances from the population ones.
	v1, v2 := s1*s1*n1/(n1-1), s2*s2*n2/(n2-1)
	df := n1 + n2 - 2
	svar := ((n1-1)*v1 + (n2-1)*v2) / df
	denom := math.Sqrt(svar * (1/n1 + 1/n2))
	t := (m1 - m2) / denom
	if math.IsNaN(t) {
		return math.NaN()
	}
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
}

// chiSquareGOF is Evidently's "chisquare": scipy.stats.chisquare(f_obs =
// current counts, f_exp = reference counts · n_cur/n_ref) over the union of
// categories; the p-value. A category the reference never had makes the
// statistic infinite (p = 0), as in numpy.
func chiSquareGOF(ref, cur []float64, nRef, nCur float64) float64 {
	k := nCur / nRef
	var stat kahan
	for i := range ref {
		exp := ref[i] * k
		d := cur[i] - exp
		stat.add(d * d / exp)
	}
	df := float64(len(ref) - 1)
	s := stat.value()
	if df <= 0 || math.IsNaN(s) {
		return math.NaN()
	}
	if math.IsInf(s, 1) {
		return 0
	}
	return distuv.ChiSquared{K: df}.Survival(s)
}

// zTest is Evidently's "z": the pooled two-proportion z-test of "value ≠
// the smallest category" between reference and current; the two-sided
// p-value 2·(1 − Φ(|z|)). refKey0/curKey0 count the smallest key.
func zTest(refKey0, nRef, curKey0, nCur float64) float64 {
	p1 := (nRef - refKey0) / nRef
	p2 := (nCur - curKey0) / nCur
	P := (p1*nRef + p2*nCur) / (nRef + nCur)
	z := (p1 - p2) / math.Sqrt(P*(1-P)*(1/nRef+1/nCur))
	return 2 * (1 - distuv.UnitNormal.CDF(math.Abs(z)))
}

// zeroFill is Evidently's get_binned_data(feel_zeroes=True): every zero
// share becomes min(non-zero)/10^6 when that minimum is ≤ 10^-4, else 10^-4.
func zeroFill(p []float64) {
	lo := math.Inf(1)
	for _, x := range p {
		if x != 0 && x < lo {
			lo = x
		}
	}
	fill := 0.0001
	if lo <= 0.0001 {
		fill = lo / 1e6
	}
	for i, x := range p {
		if x == 0 {
			p[i] = fill
		}
	}
}

// psi is Σ (p−q)·ln(p/q) on zero-filled shares.
func psi(p, q []float64) float64 {
	var k kahan
	for i := range p {
		k.add((p[i] - q[i]) * math.Log(p[i]/q[i]))
	}
	return k.value()
}

// relEntr is scipy.special.rel_entr.
func relEntr(x, y float64) float64 {
	switch {
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	default:
		return math.Inf(1)
	}
}

// normalized returns p / Σp.
func normalized(p []float64) []float64 {
	s := sum(p)
	out := make([]float64, len(p))
	for i, x := range p {
		out[i] = x / s
	}
	return out
}

// klDiv is scipy.stats.entropy(p, q): KL(p‖q) in nats after normalising
// both (Evidently's "kl_div" on zero-filled shares).
func klDiv(p, q []float64) float64 {
	p, q = normalized(p), normalized(q)
	var k kahan
	for i := range p {
		k.add(relEntr(p[i], q[i]))
	}
	return k.value()
}

// jensenShannon is scipy.spatial.distance.jensenshannon(p, q) with the
// natural logarithm (maximum √ln 2 ≈ 0.8326).
func jensenShannon(p, q []float64) float64 {
	p, q = normalized(p), normalized(q)
	var k kahan
	for i := range p {
		m := (p[i] + q[i]) / 2
		k.add(relEntr(p[i], m))
		k.add(relEntr(q[i], m))
	}
	return math.Sqrt(k.value() / 2)
}

// hellingerShares is Evidently's categorical Hellinger distance:
// √(1 − clip(Σ√(p·q), 0, 1)) on plain shares.
func hellingerShares(p, q []float64) float64 {
	var k kahan
	for i := range p {
		k.add(math.Sqrt(p[i] * q[i]))
	}
	return math.Sqrt(1 - clip01(k.value()))
}

func clip01(x float64) float64 { return math.Min(math.Max(x, 0), 1) }

// sturgesEdges is np.histogram_bin_edges(x, bins="sturges") for a sample of
// n values with the given minimum and maximum, including numpy's floating
// point steps (ceil of range/width, linspace with an exact last edge).
func sturgesEdges(n int, lo, hi float64) []float64 {
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	nb := 1
	if width := (hi - lo) / (math.Log2(float64(n)) + 1); width > 0 {
		nb = int(math.Ceil((hi - lo) / width))
	}
	return linspace(lo, hi, nb+1)
}

// linspace is np.linspace(start, stop, num) with endpoint=True.
func linspace(start, stop float64, num int) []float64 {
	out := make([]float64, num)
	div := float64(num - 1)
	step := (stop - start) / div
	for i := range out {
		out[i] = float64(i)*step + start
	}
	out[num-1] = stop
	return out
}

// histogram is np.histogram(sorted, edges)[0]: counts per bin, each bin
// half-open except the last, values outside the edges not counted.
func histogram(sorted []float64, w []int, edges []float64) []float64 {
	counts := make([]float64, len(edges)-1)
	for i := range counts {
		lo := sort.SearchFloat64s(sorted, edges[i])
		var hi int
		if i == len(counts)-1 {
			hi = upperBound(sorted, edges[i+1])
		} else {
			hi = sort.SearchFloat64s(sorted, edges[i+1])
		}
		if w == nil {
			counts[i] = float64(hi - lo)
			continue
		}
		n := 0
		for _, c := range w[lo:hi] {
			n += c
		}
		counts[i] = float64(n)
	}
	return counts
}

// upperBound is the number of values ≤ x (searchsorted side="right").
func upperBound(sorted []float64, x float64) int {
	return sort.Search(len(sorted), func(i int) bool { return sorted[i] > x })
}

// hellingerNumeric is Evidently's numerical Hellinger distance: Sturges
// edges over the distinct values of both samples, density histograms, and
// √(1 − clip(Σ√(h1·h2)·width, 0, 1)).
func hellingerNumeric(ref []float64, wr []int, cur []float64, wc []int, distinct []float64) float64 {
	edges := sturgesEdges(len(distinct), distinct[0], distinct[len(distinct)-1])
	h1 := density(histogram(ref, wr, edges), edges)
	h2 := density(histogram(cur, wc, edges), edges)
	width := (edges[len(edges)-1] - edges[0]) / float64(len(edges)-1)
	var k kahan
	for i := range h1 {
		k.add(math.Sqrt(h1[i]*h2[i]) * width)
	}
	return math.Sqrt(1 - clip01(k.value()))
}

// density is np.histogram(density=True): count / (Σcount · bin width).
func density(counts, edges []float64) []float64 {
	total := sum(counts)
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = c / (edges[i+1] - edges[i]) / total
	}
	return out
}
