// Package drift compares a reference table with a current one, column by
// column, exactly as Evidently 0.7's DataDriftPreset does, and decides
// dataset drift; it also keeps bounded-memory, mergeable profiles so the
// inference gateway can run the same tests on live windows.
//
// For each column Compare infers Evidently's type (a float column is
// numerical; an integer column is categorical with at most 10 distinct
// values, else numerical; strings are categorical, or text when more than
// half are distinct; bools are categorical), drops missing values and
// infinities, picks Evidently's default test (reference ≤ 1000 values: ks
// for numerical columns with more than 5 distinct values, else chisquare
// with more than 2 values, else z; larger references: wasserstein for
// numerical columns with more than 5 values, else jensenshannon) unless a
// method is forced, and applies Evidently's threshold and comparison (ks at
// p ≤ 0.05, the other p-values at p < 0.05, distances at ≥ 0.1, energy
// distance at > 0.1). PSI, with Evidently's binning and zero fill, is
// reported for every column. The dataset drifts when the share of drifted
// columns reaches the drift share (0.5). docs/drift.md gives every formula.
//
// Undefined cases: a column with no value left on one side has status
// "empty" (Evidently raises); a text column has status "skipped" (Evidently
// trains a domain classifier, which we do not implement). Neither counts in
// the share, and Report.Complete is false.
//
// The statistics are our own Go (gonum for the chi-square, Student and
// normal distributions): gonum has no two-sample KS p-value, so the exact
// lattice-path probability and scipy's kstwo distribution are written here
// and tested against scipy 1.10; so are the later methods (anderson,
// cramer_von_mises, mannw, es, fisher_exact, g_test, TVD, empirical_mmd),
// and numpy's legacy MT19937 generator, reproduced only so the permutation
// tests draw Evidently's permutations (seed 0, rows laid out sorted:
// Evidently's draw for draw on data in that order, another draw of the same
// distribution otherwise). testdata/gen/evidently_ref.py reproduces
// Evidently's procedure with scipy; the golden tests agree within 1e-6.
// Text columns are skipped: Evidently's text-content methods train a
// classifier, which we do not implement.
//
// Profile is the streaming form: a KLL-style quantile sketch per numeric
// column (exact moments, min, max and, while few, exact distinct values) and
// capped category counts. Profiles merge, serialise to JSON, and compare
// with CompareProfiles; a profile that never compacted is exact. Report.Scores
// gives the per-column numbers for Prometheus gauges. Evidence turns a
// report into a "drift" evidence record. The package never prints.
package drift
