package drift

import "math"

// kstwoSF is scipy.stats.kstwo.sf(x, n): the survival function of the
// two-sided one-sample Kolmogorov–Smirnov statistic D_n, which ks_2samp
// uses for large samples with n = round(n1·n2/(n1+n2)). It follows Simard
// and L'Ecuyer (2011) as scipy's _kolmogn does: Ruben–Gambino closed forms
// at the extremes, 2·smirnov for large x, the Durbin matrix (Marsaglia–
// Tsang–Wang) and Pomeranz recursions for small n, Pelz–Good otherwise.
// gonum has no exact Kolmogorov distribution; this is ours, tested against
// scipy 1.10 values.
func kstwoSF(n int, x float64) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	fn := float64(n)
	t := fn * x
	if t <= 1 {
		if t <= 0.5 {
			return 1
		}
		var prob float64
		if n <= 140 {
			prob = 1
			for i := 1; i <= n; i++ {
				prob *= float64(i) * (1 / fn) * (2*t - 1)
			}
		} else {
			prob = math.Exp(logNFactDivNPowN(fn) + fn*math.Log(2*t-1))
		}
		return clip01(1 - prob)
	}
	if t >= fn-1 {
		return clip01(2 * math.Pow(1-x, fn))
	}
	if x >= 0.5 {
		return clip01(2 * smirnovSF(n, x))
	}
	nxx := t * x
	if n <= 140 {
		switch {
		case nxx <= 0.754693:
			return clip01(1 - kolmogDMTW(n, x))
		case nxx <= 4:
			return clip01(1 - kolmogPomeranz(n, x))
		default:
			return clip01(2 * smirnovSF(n, x))
		}
	}
	if nxx >= 370 {
		return 0
	}
	if nxx >= 2.2 {
		return clip01(2 * smirnovSF(n, x))
	}
	var cdf float64
	switch {
	case nxx >= 18:
		cdf = 1
	case n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4:
		cdf = kolmogDMTW(n, x)
	default:
		cdf = kolmogPelzGood(n, x)
	}
	return clip01(1 - cdf)
}

var stirlingCoeffs = []float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

// logNFactDivNPowN is log(n!/n^n) by Stirling's series.
func logNFactDivNPowN(n float64) float64 {
	rn := 1 / n
	poly := 0.0
	for _, c := range stirlingCoeffs {
		poly = poly*(rn/n) + c
	}
	return math.Log(n)/2 - n + math.Log(2*math.Pi)/2 + rn*poly
}

var (
	ep128 = math.Ldexp(1, 128)
	em128 = math.Ldexp(1, -128)
)

// kolmogDMTW is P(D_n ≤ d) by the Durbin matrix (Marsaglia, Tsang, Wang 2003).
func kolmogDMTW(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	nd := float64(n) * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	H := newMat(m)
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1 - math.Pow(h, float64(j))
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] *= fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r][i] = w[r-(i-1)]
		}
	}
	for r := 0; r < m; r++ {
		H[r][0] = v[r]
	}
	for c := 0; c < m; c++ {
		H[m-1][c] = v[m-1-c]
	}
	P := identity(m)
	nn := n
	expnt, hexpnt := 0, 0
	for nn > 0 {
		if nn%2 == 1 {
			P = matmul(P, H)
			expnt += hexpnt
		}
		H = matmul(H, H)
		hexpnt *= 2
		if math.Abs(H[k-1][k-1]) > ep128 {
			for r := range H {
				for c := range H[r] {
					H[r][c] /= ep128
				}
			}
			hexpnt += 128
		}
		nn /= 2
	}
	p := P[k-1][k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / float64(n)
		if math.Abs(p) < em128 {
			p *= ep128
			expnt -= 128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

func newMat(m int) [][]float64 {
	out := make([][]float64, m)
	for i := range out {
		out[i] = make([]float64, m)
	}
	return out
}

func identity(m int) [][]float64 {
	out := newMat(m)
	for i := range out {
		out[i][i] = 1
	}
	return out
}

func matmul(a, b [][]float64) [][]float64 {
	m := len(a)
	out := newMat(m)
	for i := 0; i < m; i++ {
		for k := 0; k < m; k++ {
			aik := a[i][k]
			if aik == 0 {
				continue
			}
			for j := 0; j < m; j++ {
				out[i][j] += aik * b[k][j]
			}
		}
	}
	return out
}

func pomeranzJ1J2(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		ip1div2, ip1mod2 := (i+1)/2, (i+1)%2
		if ip1mod2 == 0 {
			if ip1div2 == n+1 {
				j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
			} else {
				j1, j2 = ip1div2-1-ll-roundf-1, ip1div2+ll-1+ceilf-1
			}
		} else {
			j1, j2 = ip1div2-1-ll-1, ip1div2+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// kolmogPomeranz is P(D_n ≤ x) by Pomeranz's recursion (1974).
func kolmogPomeranz(n int, x float64) float64 {
	fn := float64(n)
	t := fn * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpower := make([]float64, npwrs)
	twogpower := make([]float64, npwrs)
	onem2gpower := make([]float64, npwrs)
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	expnt := 0
	gn, tgn, omtgn := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npwrs; m++ {
		gpower[m] = gpower[m-1] * gn / float64(m)
		twogpower[m] = twogpower[m-1] * tgn / float64(m)
		onem2gpower[m] = onem2gpower[m-1] * omtgn / float64(m)
	}
	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	V0s, V1s := 0, 0
	j1, _ := pomeranzJ1J2(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		V0s, V1s = V1s, V0s
		for c := range V1 {
			V1[c] = 0
		}
		var j2 int
		j1, j2 = pomeranzJ1J2(i, n, ll, ceilf, roundf)
		var pwrs []float64
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		default:
			pwrs = onem2gpower
		}
		ln2 := j2 - k1 + 1
		if ln2 > 0 {
			a := V0[k1-V0s : k1-V0s+ln2]
			b := pwrs[:ln2]
			convStart := j1 - k1
			convLen := j2 - j1 + 1
			// Full convolution entries convStart .. convStart+convLen-1.
			mx := 0.0
			for c := 0; c < convLen; c++ {
				idx := convStart + c
				s := 0.0
				for p := max(0, idx-len(b)+1); p <= idx && p < len(a); p++ {
					s += a[p] * b[idx-p]
				}
				V1[c] = s
				mx = math.Max(mx, s)
			}
			if mx > 0 && mx < em128 {
				for c := range V1 {
					V1[c] *= ep128
				}
				expnt -= 128
			}
			V1s = V0s + j1 - k1
		}
	}
	ans := V1[n-V1s]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > ep128 {
			ans *= em128
			expnt += 128
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// kolmogPelzGood is the Pelz–Good (1976) approximation of P(D_n ≤ x).
func kolmogPelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	fn := float64(n)
	z := math.Sqrt(fn) * x
	z2, z3, z4, z6 := z*z, z*z*z, z*z*z*z, math.Pow(z, 6)
	pi2, pi4, pi6 := math.Pi*math.Pi, math.Pow(math.Pi, 4), math.Pow(math.Pi, 6)
	qlog := -pi2 / 8 / z2
	if qlog < -708 {
		return 0
	}
	q := math.Exp(qlog)
	k1a, k1b := -z2, pi2/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*math.Pow(z, 8)
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2, m4, m6 := m*m, m*m*m*m, math.Pow(m, 6)
		qp := math.Pow(q, float64(8*k))
		c := [4]float64{1, k1a + k1b*m2, k2a + k2b*m2 + k2c*m4, k3a + k3b*m2 + k3c*m4 + k3d*m6}
		for i := range K {
			K[i] = K[i]*qp + c[i]
		}
	}
	sq2pi := math.Sqrt(2 * math.Pi)
	den := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sq2pi / den[i]
	}
	q = math.Exp(-pi2 / 2 / z2)
	var k2extra, k3extra float64
	sqrt3z := math.Sqrt(3) * z
	for k := maxk; k > 0; k-- {
		fk := float64(k)
		ksq := fk * fk
		qp := math.Pow(q, ksq)
		k2extra += ksq * qp
		kspi := math.Pi * fk
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp
	}
	K[2] += k2extra * pi2 * sq2pi / (-36 * z3)
	K[3] += k3extra * pi2 * sq2pi / (216 * z6)
	total := 0.0
	for i := range K {
		total += K[i] / math.Pow(fn, float64(i)/2)
	}
	return total
}

// smirnovSF is the one-sided Smirnov survival function P(D_n^+ ≥ x)
// (scipy.special.smirnov), by the Birnbaum–Tingey sum
// x·Σ_{j=0}^{⌊n(1−x)⌋} C(n,j)·(1−x−j/n)^(n−j)·(x+j/n)^(j−1), each term
// evaluated in logarithms.
func smirnovSF(n int, x float64) float64 {
	if x <= 0 {
		return 1
	}
	if x >= 1 {
		return 0
	}
	fn := float64(n)
	jmax := int(math.Floor(fn * (1 - x)))
	lgn, _ := math.Lgamma(fn + 1)
	var acc kahan
	for j := 0; j <= jmax; j++ {
		fj := float64(j)
		a := 1 - x - fj/fn
		if a <= 0 { // j ≤ n(1−x) makes a ≥ 0; a zero base adds nothing
			continue
		}
		lj, _ := math.Lgamma(fj + 1)
		lnj, _ := math.Lgamma(fn - fj + 1)
		lt := lgn - lj - lnj + (fn-fj)*math.Log(a) + (fj-1)*math.Log(x+fj/fn)
		acc.add(math.Exp(lt))
	}
	return clip01(x * acc.value())
}
