package drift

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// The rank-based tests Evidently takes from scipy (anderson, mannw) or
// copies from it (cramer_von_mises), computed on the pooled distinct
// values with each side's count, so a compressed column (values with
// counts) costs its distinct values, not its rows.

// ErrUntestable is wrapped when a method cannot be computed on a column
// (where Evidently, or the scipy function it calls, raises): the error
// names the column and the reason.
var ErrUntestable = errors.New("method cannot test this column")

// pooled merges two sorted columns into their distinct values z with the
// count of each on the reference (fr) and current (fc) side.
func pooled(ref, cur *Column) (z, fr, fc []float64) {
	a, wa, b, wb := ref.Values, ref.Weights, cur.Values, cur.Weights
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var x float64
		if j >= len(b) || (i < len(a) && a[i] <= b[j]) {
			x = a[i]
		} else {
			x = b[j]
		}
		var cr, cc float64
		for ; i < len(a) && a[i] == x; i++ {
			cr += float64(wt(wa, i))
		}
		for ; j < len(b) && b[j] == x; j++ {
			cc += float64(wt(wb, j))
		}
		z, fr, fc = append(z, x), append(fr, cr), append(fc, cc)
	}
	return z, fr, fc
}

// andersonP is scipy.stats.anderson_ksamp([ref, cur]).significance_level
// (midrank statistic A2akN of Scholz and Stephens, standardised, and the
// p-value interpolated on a quadratic fit of log significance against
// critical values, capped to [0.001, 0.25]).
func andersonP(ref, cur *Column) (float64, error) {
	z, fr, fc := pooled(ref, cur)
	if len(z) < 2 {
		return 0, fmt.Errorf("%w: anderson needs more than one distinct value (scipy's anderson_ksamp raises)", ErrUntestable)
	}
	nr, nc := float64(ref.Count()), float64(cur.Count())
	N := nr + nc
	a2 := 0.0
	for _, side := range []struct {
		f []float64
		n float64
	}{{fr, nr}, {fc, nc}} {
		var inner kahan
		left, cum := 0.0, 0.0 // pooled values below z[j]; this side's values ≤ z[j]
		for j := range z {
			lj := fr[j] + fc[j]
			bj := left + lj/2
			cum += side.f[j]
			mij := cum - side.f[j]/2
			d := N*mij - bj*side.n
			inner.add(lj / N * d * d / (bj*(N-bj) - N*lj/4))
			left += lj
		}
		a2 += inner.value() / side.n
	}
	a2 *= (N - 1) / N
	const k = 2.0
	H := 1/nr + 1/nc
	// hs_cs = cumsum(1/(N-1), 1/(N-2), …, 1/2); h = its last + 1;
	// g = Σ hs_cs[i]/(i+2).
	var hs, g kahan
	for i, v := 0, N-1; v >= 2; i, v = i+1, v-1 {
		hs.add(1 / v)
		g.add(hs.value() / float64(i+2))
	}
	h := hs.value() + 1
	gv := g.value()
	A := (4*gv-6)*(k-1) + (10-6*gv)*H
	B := (2*gv-4)*k*k + 8*h*k + (2*gv-14*h-4)*H - 8*h + 4*gv - 6
	C := (6*h+2*gv-2)*k*k + (4*h-4*gv+6)*k + (2*h-6)*H + 4*h
	D := (2*h+6)*k*k - 4*h*k
	sigmasq := (A*N*N*N + B*N*N + C*N + D) / ((N - 1) * (N - 2) * (N - 3))
	stat := (a2 - (k - 1)) / math.Sqrt(sigmasq)
	crit, _ := andersonCritical()
	switch {
	case stat < crit[0]:
		return 0.25, nil
	case stat > crit[len(crit)-1]:
		return 0.001, nil
	}
	c := andersonFit()
	return math.Exp(c[0]*stat*stat + c[1]*stat + c[2]), nil
}

// andersonCritical is scipy's table for two samples (m = 1): critical
// values b0 + b1/√m + b2/m and their significance levels.
func andersonCritical() (crit, sig []float64) {
	b0 := []float64{0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085}
	b1 := []float64{-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615}
	b2 := []float64{-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154}
	crit = make([]float64, len(b0))
	for i := range b0 {
		crit[i] = b0[i] + b1[i]/math.Sqrt(1) + b2[i]/1
	}
	return crit, []float64{0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001}
}

// andersonFit is np.polyfit(critical, log(sig), 2): the least-squares
// quadratic, from the normal equations (the 3×3 system is well
// conditioned; the coefficients agree with numpy's to about 1e-14).
func andersonFit() [3]float64 {
	crit, sig := andersonCritical()
	var m [3][4]float64 // rows: Σ x^(4-i-j) | Σ x^(2-i)·y
	for k, x := range crit {
		y := math.Log(sig[k])
		p := [5]float64{1, x, x * x, x * x * x, x * x * x * x}
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				m[i][j] += p[4-i-j]
			}
			m[i][3] += p[2-i] * y
		}
	}
	// Gaussian elimination with partial pivoting.
	for c := 0; c < 3; c++ {
		piv := c
		for r := c + 1; r < 3; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[piv][c]) {
				piv = r
			}
		}
		m[c], m[piv] = m[piv], m[c]
		for r := 0; r < 3; r++ {
			if r == c {
				continue
			}
			f := m[r][c] / m[c][c]
			for k := c; k < 4; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	return [3]float64{m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]}
}

// mannWhitneyLess is scipy.stats.mannwhitneyu(ref, cur, alternative="less")
// p-value with method "auto": exact when one side has at most 8 values and
// there are no ties, else the normal approximation with tie and continuity
// corrections.
func mannWhitneyLess(ref, cur *Column) float64 {
	z, fr, fc := pooled(ref, cur)
	n1, n2 := float64(ref.Count()), float64(cur.Count())
	var r1 kahan
	ties, tieTerm, left := false, 0.0, 0.0
	for j := range z {
		t := fr[j] + fc[j]
		r1.add(fr[j] * (left + (t+1)/2)) // midrank of the tie group
		tieTerm += t*t*t - t
		ties = ties || t > 1
		left += t
	}
	u1 := r1.value() - n1*(n1+1)/2
	u2 := n1*n2 - u1
	if !(n1 > 8 && n2 > 8) && !ties {
		return math.Min(math.Max(mwuExactSF(int(u2), int(n1), int(n2)), 0), 1)
	}
	n := n1 + n2
	s := math.Sqrt(n1 * n2 / 12 * ((n + 1) - tieTerm/(n*(n-1))))
	zz := (u2 - n1*n2/2 - 0.5) / s
	return math.Min(math.Max(distuv.UnitNormal.Survival(zz), 0), 1)
}

// mwuExactSF is P(U ≥ u) under the null for samples of m and n values:
// the counts of U are the coefficients of the Gaussian binomial
// [m+n choose m]_q, built as Π (1 + q + … + q^(n+i-1)) / (1 + … + q^(i-1)).
func mwuExactSF(u, m, n int) float64 {
	if m > n {
		m, n = n, m
	}
	deg := m * n
	c := make([]float64, deg+1)
	c[0] = 1
	top := 0
	for i := 1; i <= m; i++ {
		// Multiply by 1 + q + … + q^(n+i-1): a sliding sum.
		w := n + i
		top += n
		prev := make([]float64, top+1)
		copy(prev, c[:top+1])
		run := 0.0
		for k := 0; k <= top; k++ {
			run += prev[k]
			if k >= w {
				run -= prev[k-w]
			}
			c[k] = run
		}
		// Divide by 1 + q + … + q^(i-1): c ← c·(1-q) / (1-q^i).
		for k := top; k >= 1; k-- {
			c[k] -= c[k-1]
		}
		for k := i; k <= top; k++ {
			c[k] += c[k-i]
		}
	}
	total, tail := 0.0, 0.0
	for k, v := range c {
		total += v
		if k >= u {
			tail += v
		}
	}
	return tail / total
}
