package fairness

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
)

// bootstrap adds confidence intervals to every headline metric: Resamples
// times, n rows are drawn with replacement from all rows (fairlearn's
// MetricFrame(n_boot=...) procedure, not stratified), the headline metrics
// are recomputed, and the interval is the (1-CI)/2 and (1+CI)/2 quantiles
// (numpy's default linear interpolation) of the resamples where the metric
// is defined. A group absent from a resample is left out of that
// resample's aggregates, like an empty intersectional cell (fairlearn
// fails there instead, issue #1441).
//
// Resample b draws from its own PCG stream seeded (Seed, b), with indices
// taken by Lemire's multiply-shift, so the intervals depend only on the
// data, Seed and the number of resamples, not on Workers or the Go release.
func bootstrap(res *Result, d *Data, g *grouping, opt Options) error {
	n := d.Rows()
	ng := len(g.groups)
	cat := make([]uint32, n)
	for r := 0; r < n; r++ {
		cat[r] = uint32(g.cell.at(r)+1)<<2 | uint32(d.outcome(r))
	}
	B := opt.Bootstrap
	// samples[b][i][m] is headline i by method m in resample b.
	samples := make([][numHeadline][2]float64, B)
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cnt := make([]int64, (ng+1)*4)
			sr, tpr, fpr := make([]float64, 0, ng), make([]float64, 0, ng), make([]float64, 0, ng)
			for b := range work {
				clear(cnt)
				rng := rand.NewPCG(opt.Seed, uint64(b))
				un := uint64(n)
				for range n {
					hi, _ := bits.Mul64(rng.Uint64(), un)
					cnt[cat[hi]]++
				}
				var all counts
				sr, tpr, fpr = sr[:0], tpr[:0], fpr[:0]
				for c := 0; c <= ng; c++ {
					k := counts{tn: cnt[c*4], fp: cnt[c*4+1], fn: cnt[c*4+2], tp: cnt[c*4+3]}
					all.tn, all.fp, all.fn, all.tp = all.tn+k.tn, all.fp+k.fp, all.fn+k.fn, all.tp+k.tp
					if c == 0 {
						continue // rows in no group
					}
					if k.n() == 0 {
						sr, tpr, fpr = append(sr, math.NaN()), append(tpr, math.NaN()), append(fpr, math.NaN())
						continue
					}
					v := k.metrics()
					sr, tpr, fpr = append(sr, v[mSR]), append(tpr, v[mTPR]), append(fpr, v[mFPR])
				}
				o := all.metrics()
				samples[b] = headline(sr, tpr, fpr, o[mSR], o[mTPR], o[mFPR])
			}
		}()
	}
	for b := 0; b < B; b++ {
		work <- b
	}
	close(work)
	wg.Wait()
	lo, hi := (1-opt.CI)/2, (1+opt.CI)/2
	vals := make([]float64, 0, B)
	for i, name := range HeadlineNames {
		h := res.FairnessMetrics[name]
		for m := range 2 {
			vals = vals[:0]
			for b := range samples {
				if v := samples[b][i][m]; !math.IsNaN(v) {
					vals = append(vals, v)
				}
			}
			slices.Sort(vals)
			iv := &Interval{Low: Number(quantile(vals, lo)), High: Number(quantile(vals, hi)), Defined: len(vals)}
			if m == 0 {
				h.BetweenCI = iv
			} else {
				h.ToOverallCI = iv
			}
		}
	}
	res.Bootstrap = &Bootstrap{Resamples: B, Seed: opt.Seed, CI: opt.CI}
	return nil
}

// quantile is numpy.quantile(method="linear") of sorted values; NaN when
// there are none.
func quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := float64(len(sorted)-1) * p
	i := int(math.Floor(h))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}
