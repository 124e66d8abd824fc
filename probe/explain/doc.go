// Package explain explains a served model's answers from the outside,
// through the same Model interface as the attacks (rows in, answers out).
//
// PermutationImportance is scikit-learn 1.2's
// inspection.permutation_importance, step for step: baseline score, then
// for each feature and repeat the score after shuffling that feature's
// column; importance = baseline − shuffled score; mean and standard
// deviation (ddof 0) over the repeats. Scores are accuracy (classifiers)
// or R² (regressors), as estimator.score. Like scikit-learn, every feature
// starts from the same seed and each repeat shuffles an index array in
// place and applies it to the already shuffled column; sums use numpy's
// pairwise summation. With scikit-learn's own permutations
// (Options.Permutation) and the same model answers, the numbers are
// scikit-learn's bit for bit: the tests replay permutations recorded by
// probe/testdata/gen_golden.py against the real model. Our own seeded
// permutations come from math/rand/v2 (PCG), not numpy, so they differ
// from scikit-learn's draws; rankings agree (Spearman ≥ 0.96 on the test
// models). Cost: rows × (1 + features × repeats) queries. Sample weights
// and multi-metric scoring are not supported.
//
// Explain gives per-prediction reason labels by local, black-box
// sensitivity: each feature alone is moved by a step (a share of its
// range; whole numbers for integer features; every other value for a
// categorical one) up and down, and the model asked again. With scores,
// features rank by how much the answer's score moves, changes that flip
// the answer first; for a regressor by how much the value moves; with
// labels only, by the smallest move (1, 2 or 4 steps) that flips the
// answer. The labels read "income ↑ raised the score most (+0.21)" or
// "debt ↑ flips the answer to 0". Cost: 1 + 2 × features queries per
// input with scores (plus one per extra category), up to 1 + 6 × features
// with labels only. They describe sensitivity around one input, not each
// feature's contribution: a heavily weighted feature far from any
// threshold may not appear, and interactions are not captured.
package explain
