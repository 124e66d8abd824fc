// Package attack holds mlsec's black-box evasion attacks on tabular and
// vector inputs: decision-based HopSkipJump (L2 and L∞) and Boundary,
// score-based SimBA, and two cheap baselines, Noise (random perturbations
// of growing size) and Featurewise (one feature at a time over its valid
// values). Each follows ART 1.20's implementation and defaults; every
// difference is named on the attack's type.
//
// An attack sees the model only through an Oracle (rows in, answers out)
// and works in an "attack space" the caller chooses: package probe scales
// each feature to its range, so the box is [0, 1] per feature and ART's
// defaults (δ = 0.1 of the box, θ = 0.01/√d) mean the same on every table.
// A Problem gives the input, the model's answer there, the box, which
// features may change, the valid values of discrete features, a query
// budget and a seed; Run returns the closest adversarial input seen (by
// the attack's norm), the queries spent, and whether the budget ended the
// search.
//
// An input is adversarial when the model's answer there differs from its
// answer at the original input (untargeted; modelclient.SameAnswer). The
// attacks trust the oracle's answers; the caller re-queries every result
// (package probe does) before it counts, so a model that answers
// differently on the same input cannot fake a success.
//
// Budgets are exact: an attack never sends a query its budget cannot pay
// for. Randomness comes from math/rand/v2's PCG seeded by Problem.Seed, so
// a run is reproducible against a deterministic model. Nothing here
// prints or starts goroutines; callers run problems in parallel.
package attack
