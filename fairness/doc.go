// Package fairness measures whether a binary classifier treats groups of
// people alike, number for number as fairlearn 0.12 does, and turns the
// result into mlsec evidence (type "fairness") that the policy engine
// decides from.
//
// The input is a predictions table: per row the true label, the model's
// prediction, optionally its score, and one or more sensitive columns
// (sex, race, age...). Several sensitive columns form intersectional
// groups: every combination of their values (fairlearn's
// MultiIndex.from_product), combinations without rows listed apart and left
// out of every aggregate. Load streams the table (internal/table's
// ReadChunks) into compact columns, about 6 bytes a row for two labels, a
// score and two sensitive columns, so a million-row report peaks 12 to
// 17 MiB above the program's start-up (docs/fairness.md, "Memory of
// the columns").
//
// # Per-group metrics
//
// For each group and overall (all rows, including rows in no group):
//
//   - selection_rate: share of rows predicted positive, P(ŷ=1).
//   - true_positive_rate: TP/(TP+FN), share of actual positives found;
//     false_negative_rate is FN/(TP+FN).
//   - false_positive_rate: FP/(FP+TN), share of actual negatives wrongly
//     flagged; true_negative_rate is TN/(FP+TN).
//   - accuracy: (TP+TN)/n; precision: TP/(TP+FP).
//   - count: rows; mean_score: mean of the score column, when given.
//
// A rate whose denominator is empty (a group without positives, negatives
// or positive predictions) is 0.0, not undefined: fairlearn takes these
// rates from scikit-learn's normalised confusion matrix with NaN replaced by
// 0, and precision uses zero_division=0. A difference can therefore be
// large purely because a rate could not be measured; Evaluate warns about
// every such group and reports its positives and negatives.
//
// # Aggregates
//
// For every metric: group_min and group_max (over non-empty groups);
// difference, between_groups = max − min, to_overall = max over groups of
// |group − overall|; ratio, between_groups = min / max, to_overall = min
// over groups of group/overall, inverted when above 1. A ratio 0/0 is
// undefined (NaN, JSON null): for instance the demographic parity ratio
// when no row is predicted positive; the difference is then 0.
//
// # Headline metrics
//
// Each by both methods, as fairlearn's functions of the same names:
// demographic_parity_difference and _ratio (selection rate);
// equal_opportunity_difference and _ratio (true positive rate);
// equalized_odds_difference, the larger of the true and false positive rate
// differences, and equalized_odds_ratio, the smaller of the two ratios
// (agg="worst_case"; fairlearn applies Python's max and min, so an
// undefined true positive rate ratio makes the worst case undefined while
// an undefined false positive rate ratio is ignored); the _mean variants
// average the two, skipping an undefined one (agg="mean").
//
// The verdict applies two limits: the demographic parity difference between
// groups at most 0.1, and the four-fifths (disparate impact) rule, the
// lowest group selection rate at least 0.8 times the highest. An undefined
// value fails the check. The registry's policy applies its own limits from
// policy data to the evidence; these are for the command's exit code.
//
// # Missing sensitive values
//
// MissingAuto (the default) is fairlearn's behaviour: a NaN in a numeric
// column leaves the row out of every group while it stays in overall, and a
// missing string value is an error (fairlearn 0.12 raises a TypeError).
// MissingDrop treats both kinds like fairlearn's NaN, MissingGroup makes the
// missing value a group of its own labelled "", and MissingError refuses
// both.
//
// # Confidence intervals
//
// With Options.Bootstrap, every headline metric gets a percentile interval
// from resampling all rows with replacement (fairlearn's procedure); see
// bootstrap.go. Intervals are deterministic for a seed.
//
// Exactness is tested against numbers fairlearn 0.12 computed
// (testdata/golden/fairlearn.json, made by testdata/gen_reference.py),
// within 1e-9. The package never prints; the mlsec fairness command renders
// its results.
package fairness
