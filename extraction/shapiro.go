package extraction

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ErrShapiro is returned by ShapiroWilk for samples it cannot test.
var ErrShapiro = errors.New("extraction: shapiro-wilk")

// ShapiroWilk tests x for normality with Royston's algorithm AS R94 (1995),
// the algorithm of scipy.stats.shapiro and R's shapiro.test: the
// coefficients of the normal order statistics are approximated by
// Royston's polynomials, W is the squared correlation between the sorted
// sample and the coefficients, and its p-value comes from Royston's normal
// approximation of log(1 - W) (exact for n = 3). x may be unsorted; it is
// not modified. It needs 3 to 5000 values (the approximation's range) not
// all equal.
//
// scipy runs the algorithm in single precision (float32); this runs it in
// double, so the two agree to float32 rounding: on the golden cases
// (testdata/shapiro_golden.json, made by shapiro_golden.py with
// /usr/bin/python3) W within 4.3e-7 and p within 5.8e-5 up to 1000 values;
// at 5000 values scipy's single-precision sums drift (W by 2.7e-6, p by
// 3.3e-3 at p = 0.36).
func ShapiroWilk(x []float64) (w, p float64, err error) {
	n := len(x)
	if n < 3 || n > 5000 {
		return 0, 0, fmt.Errorf("%w: %d values, need 3 to 5000", ErrShapiro, n)
	}
	y := slices.Clone(x)
	for _, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, fmt.Errorf("%w: a value is not finite", ErrShapiro)
		}
	}
	slices.Sort(y)
	// Center on the median as scipy does (gh-15777): it changes nothing
	// in exact arithmetic and keeps large offsets from losing digits.
	med := y[n/2]
	if n%2 == 0 {
		med = (y[n/2-1] + y[n/2]) / 2
	}
	for i := range y {
		y[i] -= med
	}
	rng := y[n-1] - y[0]
	if rng < 1e-19 {
		return 0, 0, fmt.Errorf("%w: all values are equal", ErrShapiro)
	}
	a := coefficients(n)

	// W as the squared correlation between the scaled sample and the
	// antisymmetric coefficient vector (a[i] for the i-th smallest, -a[i]
	// mirrored), computed as 1 - W first for accuracy near 1.
	coef := func(i int) float64 { // coefficient of the i-th order statistic, 0-based
		j := n - 1 - i
		switch {
		case i < j:
			return -a[i]
		case i > j:
			return a[j]
		}
		return 0
	}
	var sa, sx float64
	for i := range n {
		sa += coef(i)
		sx += y[i] / rng
	}
	sa /= float64(n)
	sx /= float64(n)
	var ssa, ssx, sax float64
	for i := range n {
		asa := coef(i) - sa
		xsx := y[i]/rng - sx
		ssa += asa * asa
		ssx += xsx * xsx
		sax += asa * xsx
	}
	ssassx := math.Sqrt(ssa * ssx)
	w1 := (ssassx - sax) * (ssassx + sax) / (ssa * ssx)
	w = 1 - w1

	if n == 3 {
		const pi6, stqr = 6 / math.Pi, math.Pi / 3
		p = pi6 * (math.Asin(math.Sqrt(w)) - stqr)
		return w, max(p, 0), nil
	}
	an := float64(n)
	yl := math.Log(w1)
	var m, s float64
	if n <= 11 {
		gamma := poly([]float64{-2.273, 0.459}, an)
		if yl >= gamma {
			return w, 1e-99, nil // as AS R94: W so far from 1 the approximation ends
		}
		yl = -math.Log(gamma - yl)
		m = poly([]float64{0.5440, -0.39978, 0.025054, -6.714e-4}, an)
		s = math.Exp(poly([]float64{1.3822, -0.77857, 0.062767, -0.0020322}, an))
	} else {
		lx := math.Log(an)
		m = poly([]float64{-1.5861, -0.31082, -0.083751, 0.0038915}, lx)
		s = math.Exp(poly([]float64{-0.4803, -0.082676, 0.0030302}, lx))
	}
	p = distuv.Normal{Mu: m, Sigma: s}.Survival(yl)
	return w, p, nil
}

// coefficients returns Royston's approximations of the Shapiro-Wilk
// coefficients a[0..n/2-1] (for the smallest order statistics, positive).
func coefficients(n int) []float64 {
	nn2 := n / 2
	a := make([]float64, nn2)
	if n == 3 {
		a[0] = math.Sqrt2 / 2
		return a
	}
	an25 := float64(n) + 0.25
	m := make([]float64, nn2)
	var summ2 float64
	for i := range nn2 {
		m[i] = distuv.UnitNormal.Quantile((float64(i+1) - 0.375) / an25)
		summ2 += m[i] * m[i]
	}
	summ2 *= 2
	ssumm2 := math.Sqrt(summ2)
	rsn := 1 / math.Sqrt(float64(n))
	a1 := poly([]float64{0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056}, rsn) - m[0]/ssumm2
	var i1 int
	var fac float64
	if n > 5 {
		i1 = 2
		a2 := -m[1]/ssumm2 + poly([]float64{0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633}, rsn)
		fac = math.Sqrt((summ2 - 2*m[0]*m[0] - 2*m[1]*m[1]) / (1 - 2*a1*a1 - 2*a2*a2))
		a[1] = a2
	} else {
		i1 = 1
		fac = math.Sqrt((summ2 - 2*m[0]*m[0]) / (1 - 2*a1*a1))
	}
	a[0] = a1
	for i := i1; i < nn2; i++ {
		a[i] = -m[i] / fac
	}
	return a
}

// poly evaluates c[0] + c[1] x + c[2] x² + ...
func poly(c []float64, x float64) float64 {
	r := 0.0
	for i := len(c) - 1; i >= 0; i-- {
		r = r*x + c[i]
	}
	return r
}
