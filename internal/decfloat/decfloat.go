package decfloat

import "math"

// pow holds the scales a mantissa may have, 10^0 to 10^9.
var pow = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// Pow10 returns 10^k for a scale k of a Floats (0 to 9).
func Pow10(k int) float64 { return pow[k] }

// Floats is a growing column of float64 values: int32 mantissas in Dec at
// scale Scale while every value is such a decimal, float64 values in Vals
// after the first that is not (Dec is then nil). The zero value is an
// empty decimal column; give Dec a capacity to size it once.
type Floats struct {
	Dec   []int32
	Scale int
	Vals  []float64
	// Cap, when set, estimates the final length: the capacity Vals gets
	// when the column moves to float64.
	Cap    func() int
	maxAbs int64
	float  bool
}

// Decimal reports whether the values are still mantissas (in Dec).
func (f *Floats) Decimal() bool { return !f.float }

// Len is the number of values.
func (f *Floats) Len() int {
	if f.float {
		return len(f.Vals)
	}
	return len(f.Dec)
}

// At returns value i, exactly as appended.
func (f *Floats) At(i int) float64 {
	if f.float {
		return f.Vals[i]
	}
	return float64(f.Dec[i]) / pow[f.Scale]
}

// Append adds v.
func (f *Floats) Append(v float64) {
	if !f.float {
		if m, ok := f.encode(v); ok {
			f.Dec = append(f.Dec, m)
			return
		}
		f.toFloat()
	}
	f.Vals = append(f.Vals, v)
}

// AppendAll adds every value of vs.
func (f *Floats) AppendAll(vs []float64) {
	for i, v := range vs {
		if f.float {
			f.Vals = append(f.Vals, vs[i:]...)
			return
		}
		f.Append(v)
	}
}

// encode finds v's mantissa at the column's scale, raising the scale (and
// the stored mantissas) when v has more decimals.
func (f *Floats) encode(v float64) (int32, bool) {
	if v == 0 && math.Signbit(v) {
		return 0, false // -0 would come back as 0
	}
	for k := f.Scale; k < len(pow); k++ {
		m := math.Round(v * pow[k])
		if math.Abs(m) >= 1<<31 {
			return 0, false
		}
		if m/pow[k] != v {
			continue
		}
		if k > f.Scale {
			mul := int64(pow[k-f.Scale])
			if f.maxAbs*mul >= 1<<31 {
				return 0, false
			}
			for i, x := range f.Dec {
				f.Dec[i] = int32(int64(x) * mul)
			}
			f.maxAbs *= mul
			f.Scale = k
		}
		f.maxAbs = max(f.maxAbs, int64(math.Abs(m)))
		return int32(m), true
	}
	return 0, false
}

// toFloat moves the mantissas to float64 storage.
func (f *Floats) toFloat() {
	c := 0
	if f.Cap != nil {
		c = f.Cap()
	}
	f.Vals = make([]float64, len(f.Dec), max(c, 2*len(f.Dec)))
	p := pow[f.Scale]
	for i, m := range f.Dec {
		f.Vals[i] = float64(m) / p
	}
	f.Dec, f.float = nil, true
}
