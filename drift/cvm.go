package drift

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// cramerVonMisesP is Evidently's own copy of scipy's two-sample
// Cramér–von Mises test (cramer_von_mises_stattest.py): the exact p-value
// when both samples have at most 20 values, else the asymptotic one.
func cramerVonMisesP(ref, cur *Column) (float64, error) {
	nx, ny := ref.Count(), cur.Count()
	if nx <= 1 || ny <= 1 {
		return 0, fmt.Errorf("%w: cramer_von_mises needs at least two values on each side", ErrUntestable)
	}
	z, fr, fc := pooled(ref, cur)
	// U = nx·Σ(rx_i − i)² + ny·Σ(ry_j − j)² with midranks, each sample
	// sorted (i, j from 1).
	var ux, uy kahan
	left, ix, iy := 0.0, 0.0, 0.0
	for j := range z {
		t := fr[j] + fc[j]
		r := left + (t+1)/2
		for k := 0.0; k < fr[j]; k++ {
			ix++
			ux.add((r - ix) * (r - ix))
		}
		for k := 0.0; k < fc[j]; k++ {
			iy++
			uy.add((r - iy) * (r - iy))
		}
		left += t
	}
	fx, fy := float64(nx), float64(ny)
	u := fx*ux.value() + fy*uy.value()
	k, N := fx*fy, fx+fy
	t := u/(k*N) - (4*k-1)/(6*N)
	if max(nx, ny) <= 20 {
		return cvmExactP(u, nx, ny), nil
	}
	et := (1 + 1/N) / 6
	vt := (N + 1) * (4*k*N - 3*(fx*fx+fy*fy) - 2*k)
	vt = vt / (45 * N * N * 4 * k)
	tn := 1.0/6 + (t-et)/math.Sqrt(45*vt)
	if tn < 0.003 {
		return 1, nil
	}
	return math.Max(0, 1-cdfCvMInf(tn)), nil
}

// cvmExactP is _pval_cvm_2samp_exact(s, m, n): the frequency table of
// the statistic over all arrangements (Xiao, Gordon and Yakovlev 2006),
// with integer values.
func cvmExactP(s float64, m, n int) float64 {
	g := gcd(m, n)
	lcm := m / g * n
	a, b := lcm/m, lcm/n
	mn := m * n
	zeta := math.Floor(float64(lcm*lcm*(m+n)) * (6*s - float64(mn*(4*mn-1))) / float64(6*mn*mn))
	combinations := 1.0
	for i := 1; i <= m; i++ { // (m+n)! / (m! n!)
		combinations = combinations * float64(n+i) / float64(i)
	}
	type table map[int64]float64
	gs := make([]table, m+1)
	gs[0] = table{0: 1}
	for v := 1; v <= m; v++ {
		gs[v] = table{}
	}
	for u := 0; u <= n; u++ {
		next := make([]table, m+1)
		tmp := table{}
		for v, gv := range gs {
			merged := make(table, len(tmp)+len(gv))
			for val, f := range tmp {
				merged[val] += f
			}
			for val, f := range gv {
				merged[val] += f
			}
			d := int64(a*v - b*u)
			tmp = make(table, len(merged))
			for val, f := range merged {
				tmp[val+d*d] = f
			}
			next[v] = tmp
		}
		gs = next
	}
	tail := 0.0
	for val, f := range gs[m] {
		if float64(val) >= zeta {
			tail += f
		}
	}
	return tail / combinations
}

// cdfCvMInf is the limiting distribution of the Cramér–von Mises
// statistic (Csörgő and Faraway 1996, eq. 1.2), summed until a term is
// below 1e-7 as Evidently's copy does.
func cdfCvMInf(x float64) float64 {
	tot := 0.0
	for k := 0.0; ; k++ {
		lu, _ := math.Lgamma(k + 0.5)
		lk, _ := math.Lgamma(k + 1)
		u := math.Exp(lu-lk) / (math.Pow(math.Pi, 1.5) * math.Sqrt(x))
		y := 4*k + 1
		q := y * y / (16 * x)
		// exp(−q)·K_{1/4}(q) = exp(−2q)·(exp(q)·K_{1/4}(q)).
		z := u * math.Sqrt(y) * math.Exp(-2*q) * besselK14Scaled(q)
		tot += z
		if math.Abs(z) < 1e-7 {
			return tot
		}
	}
}

// besselK14Scaled is exp(q)·K_{1/4}(q) for q > 0 from the integral
// ∫₀^∞ exp(−q(cosh t − 1))·cosh(t/4) dt, by the trapezoidal rule, which
// converges exponentially fast for this smooth, rapidly decaying
// integrand (gonum has no Bessel K of fractional order).
func besselK14Scaled(q float64) float64 {
	const h = 1.0 / 64
	s := 0.5 // the integrand at t = 0
	for t := h; ; t += h {
		f := math.Exp(-q*(math.Cosh(t)-1)) * math.Cosh(t/4)
		s += f
		if f < 1e-18*s {
			break
		}
	}
	return s * h
}

// eppsSingletonP is scipy.stats.epps_singleton_2samp(ref, cur) with
// t = (0.4, 0.8): the empirical characteristic functions at t/σ (σ half
// the pooled interquartile range) compared with a χ² statistic on the
// pseudo-inverse of their estimated covariance.
func eppsSingletonP(ref, cur *Column) (float64, error) {
	nx, ny := ref.Count(), cur.Count()
	if nx < 5 || ny < 5 {
		return 0, fmt.Errorf("%w: es (Epps-Singleton) needs at least 5 values on each side", ErrUntestable)
	}
	z, fr, fc := pooled(ref, cur)
	iqr := pooledQuantile(z, fr, fc, 0.75) - pooledQuantile(z, fr, fc, 0.25)
	if iqr == 0 {
		return 0, fmt.Errorf("%w: es (Epps-Singleton) needs a non-zero interquartile range (Evidently raises)", ErrUntestable)
	}
	sigma := iqr / 2
	ts := []float64{0.4 / sigma, 0.8 / sigma}
	n := float64(nx + ny)
	// Per side: the mean of g = (cos t0x, cos t1x, sin t0x, sin t1x) and
	// its biased covariance.
	side := func(vals []float64, w []int, cnt int) ([4]float64, *mat.SymDense) {
		var mean [4]float64
		g := func(x float64) [4]float64 {
			return [4]float64{math.Cos(ts[0] * x), math.Cos(ts[1] * x), math.Sin(ts[0] * x), math.Sin(ts[1] * x)}
		}
		for i, x := range vals {
			gx, c := g(x), float64(wt(w, i))
			for k := range mean {
				mean[k] += c * gx[k]
			}
		}
		for k := range mean {
			mean[k] /= float64(cnt)
		}
		cov := mat.NewSymDense(4, nil)
		for i, x := range vals {
			gx, c := g(x), float64(wt(w, i))
			for a := 0; a < 4; a++ {
				for b := a; b < 4; b++ {
					cov.SetSym(a, b, cov.At(a, b)+c*(gx[a]-mean[a])*(gx[b]-mean[b]))
				}
			}
		}
		cov.ScaleSym(1/float64(cnt), cov)
		return mean, cov
	}
	mx, cx := side(ref.Values, ref.Weights, nx)
	my, cy := side(cur.Values, cur.Weights, ny)
	est := mat.NewSymDense(4, nil)
	for a := 0; a < 4; a++ {
		for b := a; b < 4; b++ {
			est.SetSym(a, b, n/float64(nx)*cx.At(a, b)+n/float64(ny)*cy.At(a, b))
		}
	}
	inv, rank, err := pinvRank(est)
	if err != nil {
		return 0, fmt.Errorf("%w: es: %v", ErrUntestable, err)
	}
	d := mat.NewVecDense(4, []float64{mx[0] - my[0], mx[1] - my[1], mx[2] - my[2], mx[3] - my[3]})
	var tmp mat.VecDense
	tmp.MulVec(inv, d)
	w := n * mat.Dot(d, &tmp)
	if max(nx, ny) < 25 {
		corr := 1 / (1 + math.Pow(n, -0.45) + 10.1*(math.Pow(float64(nx), -1.7)+math.Pow(float64(ny), -1.7)))
		w *= corr
	}
	if rank == 0 {
		return math.NaN(), nil
	}
	return distuv.ChiSquared{K: float64(rank)}.Survival(w), nil
}

// pinvRank is numpy's pinv (singular values below 1e-15·max dropped) and
// matrix_rank of the result (tolerance max singular value · 4 · ε).
func pinvRank(a mat.Matrix) (*mat.Dense, int, error) {
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDFull) {
		return nil, 0, fmt.Errorf("covariance SVD did not converge")
	}
	s := svd.Values(nil)
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	r, c := a.Dims()
	inv := mat.NewDense(c, r, nil)
	cut := 1e-15 * s[0]
	var invS []float64
	for i, x := range s {
		if x > cut {
			invS = append(invS, 1/x)
			for p := 0; p < c; p++ {
				for q := 0; q < r; q++ {
					inv.Set(p, q, inv.At(p, q)+v.At(p, i)*u.At(q, i)/x)
				}
			}
		}
	}
	// The rank of the pseudo-inverse: its singular values are invS.
	rank, top := 0, 0.0
	for _, x := range invS {
		top = math.Max(top, x)
	}
	eps := math.Nextafter(1, 2) - 1
	for _, x := range invS {
		if x > top*float64(max(r, c))*eps {
			rank++
		}
	}
	return inv, rank, nil
}

// pooledQuantile is np.percentile(pooled, 100q) with linear interpolation
// (numpy's _lerp, which interpolates from the upper value when the
// fraction is at least one half).
func pooledQuantile(z, fr, fc []float64, q float64) float64 {
	n := 0.0
	cum := make([]float64, len(z)) // values ≤ z[j]
	for j := range z {
		n += fr[j] + fc[j]
		cum[j] = n
	}
	at := func(i float64) float64 { // the i-th smallest, from 0
		return z[sort.SearchFloat64s(cum, i+1)]
	}
	idx := (n - 1) * q
	lo := math.Floor(idx)
	t := idx - lo
	a, b := at(lo), at(math.Min(lo+1, n-1))
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}
