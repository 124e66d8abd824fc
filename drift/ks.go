package drift

import "math"

// ksStatistic is the two-sample Kolmogorov–Smirnov statistic D = max|F_ref
// − F_cur| of two sorted samples (ties handled as scipy does, by comparing
// the CDFs right after each distinct value).
func ksStatistic(a []float64, wa []int, b []float64, wb []int) float64 {
	na, nb := float64(total(a, wa)), float64(total(b, wb))
	i, j := 0, 0
	ci, cj := 0, 0
	d := 0.0
	for i < len(a) || j < len(b) {
		var x float64
		switch {
		case j >= len(b) || (i < len(a) && a[i] <= b[j]):
			x = a[i]
		default:
			x = b[j]
		}
		for i < len(a) && a[i] == x {
			ci += wt(wa, i)
			i++
		}
		for j < len(b) && b[j] == x {
			cj += wt(wb, j)
			j++
		}
		d = math.Max(d, math.Abs(float64(ci)/na-float64(cj)/nb))
	}
	return d
}

// ksMaxExactN is scipy's MAX_AUTO_N: ks_2samp(method="auto") is exact when
// both samples have at most this many values, else asymptotic.
const ksMaxExactN = 10000

// ksPValue is the two-sided p-value of scipy.stats.ks_2samp(method="auto")
// for statistic d between samples of sizes n1 and n2: the exact lattice-path
// probability when max(n1, n2) ≤ 10000 (falling back to the asymptotic
// value if the exact computation overflows, as scipy does), else
// kstwo.sf(d, round(n1·n2/(n1+n2))).
func ksPValue(d float64, n1, n2 int) float64 {
	if max(n1, n2) <= ksMaxExactN {
		if p, ok := ksExact(d, n1, n2); ok {
			return clip01(p)
		}
	}
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := math.RoundToEven(m * n / (m + n))
	return clip01(kstwoSF(int(en), d))
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ksExact is scipy's _attempt_exact_2kssamp (two-sided).
func ksExact(d float64, n1, n2 int) (float64, bool) {
	g := gcd(n1, n2)
	lcm := float64(n1/g) * float64(n2)
	h := int(math.RoundToEven(d * lcm))
	if h == 0 {
		return 1, true
	}
	var p float64
	if n1 == n2 {
		p = probOutsideSquare(n1, h)
	} else {
		p = outerProbInside(n1, n2, g, h)
	}
	if math.IsNaN(p) || math.IsInf(p, 0) || p < 0 || p > 1 {
		return p, false
	}
	return p, true
}

// probOutsideSquare is P(D_{n,n} ≥ h/n): 2·Σ_k (−1)^(k+1) C(2n, n−kh)/C(2n, n),
// evaluated in the nested (Horner-like) form that avoids cancellation.
func probOutsideSquare(n, h int) float64 {
	P := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1 - P)
	}
	return 2 * P
}

// outerProbInside is the share of monotone lattice paths from (0,0) to
// (m,n) that leave the band |x/m − y/n| < h/lcm(m,n) (Hodges' inside
// method, computed as the probability of having left the band so that no
// final 1 − p subtraction loses precision). Column by column, a cell's value
// is the chance that a uniformly random path reaching it has already left:
// it comes from the left with probability i/(i+j) and from below with j/(i+j);
// cells outside the band are 1.
func outerProbInside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	minj, maxj := 0, min(ceilDiv(h, mg), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA)
	for i := range A {
		A[i] = 1
	}
	for j := minj; j < maxj; j++ {
		A[j] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = max(floorDiv(ng*i-h, mg)+1, 0)
		minj = min(minj, n)
		maxj = min(ceilDiv(ng*i+h, mg), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		fi := float64(i)
		for jj := 0; jj < maxj-minj; jj++ {
			j := jj + minj
			val = (A[jj+minj-lastminj]*fi + val*float64(j)) / (fi + float64(j))
			A[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			for k := maxj - minj; k < maxj-minj+(lastlen-curlen) && k < len(A); k++ {
				A[k] = 1
			}
		}
	}
	return A[maxj-minj-1]
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }
