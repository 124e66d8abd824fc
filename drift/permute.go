package drift

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// The categorical tests fisher_exact, g_test and TVD, and the kernel test
// empirical_mmd. TVD and empirical_mmd are permutation tests: Evidently
// draws the permutations from numpy's global generator (TVD seeds it with
// 0; empirical_mmd does not seed it at all), over the rows in the order
// they come. A summary keeps no row order, so mlsec lays the rows out
// sorted (reference then current) and draws with numpyRandomState seeded
// with 0: on data given in that order the p-value is Evidently's draw for
// draw (golden tests), on other orders it is another draw of the same
// permutation distribution.

// fisherExactP is Evidently's fisher_exact: scipy.stats.fisher_exact on
// the 2×2 table of the two values' counts in current and reference,
// two-sided. Evidently also requires both samples to have the same size;
// mlsec does not (the test is defined for any sizes; documented).
func fisherExactP(cc catCounts) (float64, error) {
	if len(cc.keys) > 2 {
		return 0, fmt.Errorf("%w: fisher_exact takes a column with at most two values, this one has %d", ErrUntestable, len(cc.keys))
	}
	// Rows current, reference; columns: the first value, the other.
	var c [2][2]int
	c[0][0], c[1][0] = int(cc.cur[0]), int(cc.ref[0])
	c[0][1], c[1][1] = int(cc.nCur)-c[0][0], int(cc.nRef)-c[1][0]
	if c[0][0]+c[1][0] == 0 || c[0][1]+c[1][1] == 0 || c[0][0]+c[0][1] == 0 || c[1][0]+c[1][1] == 0 {
		return 1, nil
	}
	n1, n2, n := c[0][0]+c[0][1], c[1][0]+c[1][1], c[0][0]+c[1][0]
	lo, hi := max(0, n-n2), min(n, n1)
	lnorm := lchoose(n1+n2, n)
	pmf := func(x int) float64 { return math.Exp(lchoose(n1, x) + lchoose(n2, n-x) - lnorm) }
	mode := int(float64((n+1)*(n1+1)) / float64(n1+n2+2))
	pexact, pmode := pmf(c[0][0]), pmf(mode)
	const eps = 1e-14
	if math.Abs(pexact-pmode)/math.Max(pexact, pmode) <= eps {
		return 1, nil
	}
	// The tables at most as likely as the observed one (scipy's
	// tolerance), summed.
	limit := pexact * (1 + eps)
	var p kahan
	for x := lo; x <= hi; x++ {
		if v := pmf(x); v <= limit {
			p.add(v)
		}
	}
	return math.Min(p.value(), 1), nil
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// gTestP is the G-test: scipy.stats.power_divergence(current counts,
// expected, lambda_="log-likelihood") with k − 1 degrees of freedom.
// Evidently 0.7 passes the reference counts unscaled as expected, which
// scipy ≥ 1.9 refuses unless both tables have the same size; mlsec scales
// them by n_cur/n_ref (as later Evidently versions do), which is the same
// for equal sizes.
func gTestP(cc catCounts) float64 {
	ratio := cc.nCur / cc.nRef
	var g kahan
	for i := range cc.keys {
		obs, exp := cc.cur[i], cc.ref[i]*ratio
		if obs > 0 {
			g.add(obs * math.Log(obs/exp))
		}
	}
	stat := 2 * g.value()
	df := float64(len(cc.keys) - 1)
	switch {
	case df <= 0 || math.IsNaN(stat):
		return math.NaN()
	case math.IsInf(stat, 1):
		return 0
	}
	return distuv.ChiSquared{K: df}.Survival(stat)
}

// tvdP is Evidently's TVD: the total variation distance ½Σ|p − q| of the
// observed counts, and the share of 1000 permutations of the pooled rows
// whose distance is at least as large.
func tvdP(cc catCounts) float64 {
	k := len(cc.keys)
	nRef, nCur := int(cc.nRef), int(cc.nCur)
	tvd := func(r, c []float64) float64 {
		var s kahan
		for i := range r {
			s.add(math.Abs(r[i]/float64(nRef) - c[i]/float64(nCur)))
		}
		return 0.5 * s.value()
	}
	observed := tvd(cc.ref, cc.cur)
	// The pooled rows as category indices: reference sorted, then current.
	rows := make([]int32, 0, nRef+nCur)
	for _, side := range [][]float64{cc.ref, cc.cur} {
		for i, n := range side {
			for range int(n) {
				rows = append(rows, int32(i))
			}
		}
	}
	rng := newNumpyRandomState(0)
	perm := make([]int32, len(rows))
	r, c := make([]float64, k), make([]float64, k)
	const iterations = 1000
	hits := 0
	for range iterations {
		rng.permutation(perm)
		clear(r)
		for _, i := range perm[:nRef] {
			r[rows[i]]++
		}
		for i := range c {
			c[i] = cc.ref[i] + cc.cur[i] - r[i]
		}
		if observed <= tvd(r, c) {
			hits++
		}
	}
	return float64(hits) / iterations
}

// MaxMMDValues bounds empirical_mmd: it builds the kernel matrix of every
// pair of values (Evidently's procedure), 8 bytes per pair.
const MaxMMDValues = 3000

// mmdP is Evidently's empirical_mmd: the unbiased MMD² with an RBF kernel
// whose σ is half the median squared distance between reference values
// (numpy's "nearest" percentile), square-rooted, and the share of 100
// permutations of the pooled values whose MMD² is at least as large.
func mmdP(ref, cur *Column) (float64, error) {
	x, y := expand(ref), expand(cur)
	nx, ny := len(x), len(y)
	if nx+ny > MaxMMDValues {
		return 0, fmt.Errorf("%w: empirical_mmd compares every pair of values and takes at most %d values on both sides together (this column has %d); sample the data or use wasserstein or ed", ErrUntestable, MaxMMDValues, nx+ny)
	}
	if nx < 2 || ny < 2 {
		return 0, fmt.Errorf("%w: empirical_mmd needs at least two values on each side", ErrUntestable)
	}
	// squared_paired_dist: y_j² − 2·x_i·y_j + x_i², in numpy's order.
	dist := func(a, b float64) float64 { return b*b - 2*(a*b) + a*a }
	dxx := make([]float64, 0, nx*nx)
	for _, a := range x {
		for _, b := range x {
			dxx = append(dxx, dist(a, b))
		}
	}
	sort.Float64s(dxx)
	// np.percentile(…, 50, interpolation="nearest"): index round-half-even.
	med := dxx[int(math.RoundToEven(float64(len(dxx)-1)*0.5))]
	sigma := math.Sqrt(0.5 * med)
	if sigma == 0 {
		sigma = math.Sqrt(0.5)
	}
	gamma := 1 / (2 * sigma * sigma)
	all := append(append([]float64(nil), x...), y...)
	n := len(all)
	kern := make([]float64, n*n)
	for i, a := range all {
		for j, b := range all {
			if i != j { // the diagonal is zeroed
				var d float64
				switch {
				case i < nx && j < nx, i >= nx && j >= nx:
					d = dist(a, b)
				case i < nx: // Kxy[i][j] = exp(−γ·dist(x_i, y_j))
					d = dist(a, b)
				default: // Kxy.T
					d = dist(b, a)
				}
				kern[i*n+j] = math.Exp(-gamma * d)
			}
		}
	}
	A := 1 / float64(nx*(nx-1))
	B := 1 / float64(ny*(ny-1))
	mmd := func(inX []bool) float64 {
		var sxx, syy, sxy kahan
		for i := 0; i < n; i++ {
			row := kern[i*n : (i+1)*n]
			for j, v := range row {
				switch {
				case inX[i] && inX[j]:
					sxx.add(v)
				case !inX[i] && !inX[j]:
					syy.add(v)
				case !inX[i]:
					sxy.add(v)
				}
			}
		}
		return A*sxx.value() + B*syy.value() - 2*sxy.value()/float64(nx*ny)
	}
	inX := make([]bool, n)
	for i := range nx {
		inX[i] = true
	}
	observed := mmd(inX)
	rng := newNumpyRandomState(0)
	perm := make([]int32, n)
	hits := 0
	const permutations = 100
	for range permutations {
		rng.permutation(perm)
		// Row perm[p] of the pooled values lands at position p: the first
		// nx positions are the new reference.
		for p, i := range perm {
			inX[i] = p < nx
		}
		if observed <= mmd(inX) {
			hits++
		}
	}
	return float64(hits) / permutations, nil
}

// expand lists a column's finite values one by one, sorted.
func expand(c *Column) []float64 {
	if c.Weights == nil {
		return c.Values
	}
	out := make([]float64, 0, c.Count())
	for i, v := range c.Values {
		for range c.Weights[i] {
			out = append(out, v)
		}
	}
	return out
}
