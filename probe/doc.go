// Package probe tests a served model from the outside: how small a change
// to an input flips the model's answer (Robustness), and which features
// its answers depend on (Explain). It never loads a model: it asks the
// model where it runs, through a Model (a *modelclient.Client speaking
// KServe v2, MLflow, TF Serving or a JSON template), so it works for any
// framework, and it counts every query it sends.
//
// A probe reads a sample table (LoadSample, through internal/table: CSV,
// JSON Lines or Parquet) whose numeric columns are the model's inputs.
// Each feature has a kind (continuous; integer, recognised from whole
// numbers written without a decimal point; categorical, declared) and a
// valid range (declared, else the table's).
//
// # Robustness
//
// The attacks (package attack: HopSkipJump, Boundary, SimBA, random noise,
// one feature at a time) work on range-scaled inputs: every feature is
// mapped to [0, 1] by its range, so ε = 0.1 means a tenth of each
// feature's range whatever its units, and ART's default step sizes, made
// for inputs in [0, 1], apply to any table. Categorical features are left
// alone by the search attacks (they have no order) and fixed features by
// every attack.
//
// Honesty rules:
//
//   - Before attacking, every sample row is asked about twice; a model
//     that answers differently is refused (NondeterministicError): no
//     number from it would mean anything.
//   - Every adversarial input an attack returns is made valid (whole
//     numbers, listed categories, fixed features restored, range) and sent
//     to the model again; it counts only if the answer really changed
//     (Example.Status adversarial). Rounding can undo a flip found on the
//     decision boundary, so rounding away from the input and a few points
//     slightly further along the change are tried too; what still does not
//     flip is counted as unconfirmed, never as a success.
//   - When the model fails mid-probe (after the client's retries) or the
//     client's query budget runs out, Robustness returns the report so far
//     with Complete false: its figures cover the inputs finished, and
//     Evidence refuses to build a record from it (ErrIncomplete).
//
// Figures per attack (and per served answer): success rate (inputs
// fooled over inputs probed, ART's compute_success); the distribution of
// the smallest change found, over fooled inputs, as L2 and L∞ in input
// units and in range units, and relative to the input (‖δ‖/‖x‖ on
// range-scaled inputs in the report's norm: ART's empirical robustness,
// taken as a median); robust accuracy at ε and along a curve of ε (the
// share of inputs answered correctly, or with no label column answered at
// all, for which no confirmed adversarial input lies within ε: an upper
// bound, since a stronger attack could only lower it); queries per input.
//
// # Explainability
//
// Explain runs package explain's permutation importance (exactly
// scikit-learn's) over the whole sample, and reason labels (local
// sensitivity) for its first rows.
//
// # Output and evidence
//
// Reports render as text tables (WriteTable), JSON (WriteJSON; every
// probed input with both vectors, both answers, the distances and the
// queries, so anyone can re-check a result against the model) and one
// self-contained HTML page (WriteHTML; inline SVG charts, no scripts).
// RobustnessReport.Evidence and ExplainReport.Evidence build robustness
// and explainability evidence bound to a model version; the default
// policy judges robustness with MLSEC-ROB-001..003 (policies/robustness.rego).
//
// Nothing here prints. docs/probe.md documents attacks, parameters,
// metrics, protocols and the measured quality.
package probe
