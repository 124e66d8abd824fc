package fairness

// The headline fairness metrics, by fairlearn 0.12's function names. The
// _mean variants are equalized_odds_*(agg="mean").
const (
	DemographicParityDifference = "demographic_parity_difference"
	DemographicParityRatio      = "demographic_parity_ratio"
	EqualizedOddsDifference     = "equalized_odds_difference"
	EqualizedOddsDifferenceMean = "equalized_odds_difference_mean"
	EqualizedOddsRatio          = "equalized_odds_ratio"
	EqualizedOddsRatioMean      = "equalized_odds_ratio_mean"
	EqualOpportunityDifference  = "equal_opportunity_difference"
	EqualOpportunityRatio       = "equal_opportunity_ratio"
	MethodBetweenGroups         = "between_groups"
	MethodToOverall             = "to_overall"
	numHeadline                 = 8
)

// HeadlineNames lists the headline metrics in report order.
var HeadlineNames = [numHeadline]string{DemographicParityDifference, DemographicParityRatio,
	EqualizedOddsDifference, EqualizedOddsDifferenceMean, EqualizedOddsRatio, EqualizedOddsRatioMean,
	EqualOpportunityDifference, EqualOpportunityRatio}

// Methods lists fairlearn's two aggregation methods.
var Methods = [2]string{MethodBetweenGroups, MethodToOverall}

// IsRatio reports whether a headline metric is a ratio (1 is fair, lower is
// worse) rather than a difference (0 is fair, higher is worse).
func IsRatio(name string) bool {
	switch name {
	case DemographicParityRatio, EqualizedOddsRatio, EqualizedOddsRatioMean, EqualOpportunityRatio:
		return true
	}
	return false
}

// headline computes every headline metric, [name][method], from the
// per-group selection, true and false positive rates of the non-empty
// groups and their overall values.
func headline(sr, tpr, fpr []float64, osr, otpr, ofpr float64) [numHeadline][2]float64 {
	var h [numHeadline][2]float64
	diff := [2]func([]float64, float64) float64{
		func(v []float64, _ float64) float64 { return diffBetween(v) }, diffToOverall}
	ratio := [2]func([]float64, float64) float64{
		func(v []float64, _ float64) float64 { return ratioBetween(v) }, ratioToOverall}
	for m := range 2 {
		dsr, rsr := diff[m](sr, osr), ratio[m](sr, osr)
		dtpr, rtpr := diff[m](tpr, otpr), ratio[m](tpr, otpr)
		dfpr, rfpr := diff[m](fpr, ofpr), ratio[m](fpr, ofpr)
		h[0][m] = dsr
		h[1][m] = rsr
		h[2][m] = pyMax(dtpr, dfpr)
		h[3][m] = nanMean(dtpr, dfpr)
		h[4][m] = pyMin(rtpr, rfpr)
		h[5][m] = nanMean(rtpr, rfpr)
		h[6][m] = dtpr
		h[7][m] = rtpr
	}
	return h
}
