package fairness

import (
	"math/rand/v2"
	"testing"
)

// synthetic builds n rows with two sensitive columns (sex: 2 values, race:
// 5 values, one of them rare), a score and labels that depend on them.
func synthetic(n int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &Data{YTrue: make([]bool, n), YPred: make([]bool, n), Score: make([]float64, n)}
	sex := Feature{Name: "sex", Codes: make([]uint32, n), Dict: []string{"Female", "Male"}}
	race := Feature{Name: "race", Codes: make([]uint32, n), Dict: []string{"White", "Black", "Asian", "Other", "Native"}}
	for i := range n {
		s := uint32(r.IntN(2))
		rc := uint32(0)
		switch u := r.Float64(); {
		case u < 0.1:
			rc = 1
		case u < 0.14:
			rc = 2
		case u < 0.16:
			rc = 3
		case u < 0.165:
			rc = 4
		}
		sex.Codes[i], race.Codes[i] = s, rc
		p := 0.2 + 0.1*float64(s) - 0.02*float64(rc)
		d.YTrue[i] = r.Float64() < p
		sc := 0.5*p + 0.3*r.Float64()
		if d.YTrue[i] {
			sc += 0.3
		}
		d.Score[i] = sc
		d.YPred[i] = sc > 0.5
	}
	d.Features = []Feature{sex, race}
	return d
}

// BenchmarkEvaluate1M is the whole report (no bootstrap) on 1,000,000 rows
// with two sensitive columns, data already in memory. The file-to-report
// figure, reading included, is in bench/fairness.sh.
func BenchmarkEvaluate1M(b *testing.B) {
	d := synthetic(1_000_000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(d, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrap1000x100k is 1,000 resamples on 100,000 rows (the
// issue's goal: under 5 s on 2 cores).
func BenchmarkBootstrap1000x100k(b *testing.B) {
	d := synthetic(100_000, 2)
	opt := DefaultOptions()
	opt.Bootstrap, opt.Seed = 1000, 1
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(d, opt); err != nil {
			b.Fatal(err)
		}
	}
}
