package drift

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ColumnType is Evidently's column type, in its vocabulary ("num", "cat",
// "text").
type ColumnType string

// Column types.
const (
	Numerical   ColumnType = "num"
	Categorical ColumnType = "cat"
	Text        ColumnType = "text"
)

// Rule says how a score is compared with its threshold; Evidently's tests
// differ (ks drifts at p ≤ threshold, the other p-value tests at p <
// threshold, distances at ≥, the energy distance at >).
type Rule string

// Rules.
const (
	PBelowOrEqual   Rule = "p<=threshold"
	PBelow          Rule = "p<threshold"
	AtLeast         Rule = "score>=threshold"
	Above           Rule = "score>threshold"
	scoreIsPValue        = true
	scoreIsDistance      = false
)

// Method describes one statistical test or distance.
type Method struct {
	// Name is Evidently's method name (the value of --method COL=NAME).
	Name string
	// Display is Evidently's display name (stattest_name in its JSON).
	Display string
	// Types lists the column types the method accepts (Evidently's
	// allowed_feature_types).
	Types []ColumnType
	// Threshold is Evidently's default threshold.
	Threshold float64
	// Rule compares the score with the threshold.
	Rule Rule
	// PValue is true when the score is a p-value (smaller means drift).
	PValue bool
}

// Drifted applies the method's rule. A NaN score never drifts (as in
// Python, every comparison with NaN is false).
func (m Method) Drifted(score, threshold float64) bool {
	switch m.Rule {
	case PBelowOrEqual:
		return score <= threshold
	case PBelow:
		return score < threshold
	case AtLeast:
		return score >= threshold
	default:
		return score > threshold
	}
}

// Method names.
const (
	MethodKS             = "ks"
	MethodChiSquare      = "chisquare"
	MethodZ              = "z"
	MethodWasserstein    = "wasserstein"
	MethodJensenShannon  = "jensenshannon"
	MethodPSI            = "psi"
	MethodKL             = "kl_div"
	MethodHellinger      = "hellinger"
	MethodEnergy         = "ed"
	MethodTTest          = "t_test"
	MethodAnderson       = "anderson"
	MethodCramerVonMises = "cramer_von_mises"
	MethodMannWhitney    = "mannw"
	MethodEppsSingleton  = "es"
	MethodFisher         = "fisher_exact"
	MethodGTest          = "g_test"
	MethodTVD            = "TVD"
	MethodMMD            = "empirical_mmd"
)

var numCat = []ColumnType{Numerical, Categorical}

// methods is Evidently 0.7's registry for the tests mlsec implements
// (src/evidently/legacy/calculations/stattests). z is registered by
// Evidently for categorical columns only, but its default selection also
// picks it for numerical columns with at most two values; we accept both.
var methods = map[string]Method{
	MethodKS:             {MethodKS, "K-S p_value", []ColumnType{Numerical}, 0.05, PBelowOrEqual, scoreIsPValue},
	MethodChiSquare:      {MethodChiSquare, "chi-square p_value", []ColumnType{Categorical, Numerical}, 0.05, PBelow, scoreIsPValue},
	MethodZ:              {MethodZ, "Z-test p_value", []ColumnType{Categorical, Numerical}, 0.05, PBelow, scoreIsPValue},
	MethodWasserstein:    {MethodWasserstein, "Wasserstein distance (normed)", []ColumnType{Numerical}, 0.1, AtLeast, scoreIsDistance},
	MethodJensenShannon:  {MethodJensenShannon, "Jensen-Shannon distance", numCat, 0.1, AtLeast, scoreIsDistance},
	MethodPSI:            {MethodPSI, "PSI", numCat, 0.1, AtLeast, scoreIsDistance},
	MethodKL:             {MethodKL, "Kullback-Leibler divergence", numCat, 0.1, AtLeast, scoreIsDistance},
	MethodHellinger:      {MethodHellinger, "Hellinger distance", numCat, 0.1, AtLeast, scoreIsDistance},
	MethodEnergy:         {MethodEnergy, "Energy-distance", []ColumnType{Numerical}, 0.1, Above, scoreIsDistance},
	MethodTTest:          {MethodTTest, "t_test", []ColumnType{Numerical}, 0.05, PBelow, scoreIsPValue},
	MethodAnderson:       {MethodAnderson, "Anderson-Darling", []ColumnType{Numerical}, 0.1, PBelow, scoreIsPValue},
	MethodCramerVonMises: {MethodCramerVonMises, "Cramer-von Mises", []ColumnType{Numerical}, 0.1, PBelowOrEqual, scoreIsPValue},
	MethodMannWhitney:    {MethodMannWhitney, "Mann-Whitney U-rank test", []ColumnType{Numerical}, 0.05, PBelow, scoreIsPValue},
	MethodEppsSingleton:  {MethodEppsSingleton, "Epps-Singleton", []ColumnType{Numerical}, 0.05, PBelow, scoreIsPValue},
	MethodFisher:         {MethodFisher, "Fisher's Exact test", []ColumnType{Categorical}, 0.1, PBelow, scoreIsPValue},
	MethodGTest:          {MethodGTest, "g_test", []ColumnType{Categorical}, 0.1, PBelow, scoreIsPValue},
	MethodTVD:            {MethodTVD, "Total-Variation-Distance", []ColumnType{Categorical}, 0.1, PBelow, scoreIsPValue},
	MethodMMD:            {MethodMMD, "empirical_mmd", []ColumnType{Numerical}, 0.1, PBelow, scoreIsPValue},
}

// aliases accept the spellings users type for Evidently's names.
var aliases = map[string]string{"kl": MethodKL, "js": MethodJensenShannon, "chi2": MethodChiSquare, "energy": MethodEnergy, "t": MethodTTest,
	"cvm": MethodCramerVonMises, "mannwhitney": MethodMannWhitney, "fisher": MethodFisher, "g": MethodGTest, "tvd": MethodTVD, "mmd": MethodMMD}

// notImplemented lists Evidently methods mlsec does not implement, with why.
var notImplemented = map[string]string{
	"perc_text_content_drift": "text-content drift trains a domain classifier and is not implemented (text columns are skipped; test one as categorical with --method COL=chisquare)",
	"abs_text_content_drift":  "text-content drift trains a domain classifier and is not implemented (text columns are skipped; test one as categorical with --method COL=chisquare)",
}

// ErrUnknownMethod is wrapped by LookupMethod's errors.
var ErrUnknownMethod = fmt.Errorf("unknown drift method")

// LookupMethod returns the method called name (Evidently's name or an alias).
func LookupMethod(name string) (Method, error) {
	if a, ok := aliases[strings.ToLower(name)]; ok {
		name = a
	}
	if m, ok := methods[name]; ok {
		return m, nil
	}
	if why, ok := notImplemented[name]; ok {
		return Method{}, fmt.Errorf("%w %q: %s; use one of %s", ErrUnknownMethod, name, why, strings.Join(MethodNames(), ", "))
	}
	return Method{}, fmt.Errorf("%w %q: use one of %s", ErrUnknownMethod, name, strings.Join(MethodNames(), ", "))
}

// MethodNames lists the implemented methods, sorted.
func MethodNames() []string {
	out := make([]string, 0, len(methods))
	for n := range methods {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (m Method) accepts(t ColumnType) bool { return slices.Contains(m.Types, t) }

// DefaultMethod is Evidently's _get_default_stattest: nRef is the number of
// reference values after NaN/Inf removal, nValues the number of distinct
// values in reference ∪ current.
func DefaultMethod(t ColumnType, nRef int, nValues int) string {
	small := nRef <= 1000
	switch {
	case t == Numerical && small && nValues <= 5, t == Categorical && small:
		if nValues > 2 {
			return MethodChiSquare
		}
		return MethodZ
	case t == Numerical && small:
		return MethodKS
	case t == Numerical && nValues <= 5, t == Categorical:
		return MethodJensenShannon
	default:
		return MethodWasserstein
	}
}
