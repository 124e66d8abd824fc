// Package extraction detects model-extraction (model stealing) attacks from
// the queries each client sends to a served model. The gateway feeds every
// query to a Detector (Observe) and acts on the client's Verdict; each
// Finding names the detector, the measured value, its threshold and a
// reason a person can read.
//
// Detectors (a nil Config section is off):
//
//	rate, volume     quotas: more than MaxPerWindow queries in any Window,
//	                 more than MaxTotal in all
//	prada            PRADA (Juuti et al., EuroS&P 2019): per client and
//	                 predicted class, a growing set of queries and the minimum
//	                 L2 distance of each new query to it; the distances of
//	                 natural queries are close to normal, those of synthetic
//	                 attack queries are not. Flags when the Shapiro-Wilk W of
//	                 the last MaxDistances (1000) distances falls below δ
//	                 (DefaultDelta 0.73), after MinDistances (100).
//	                 ShapiroWilk is Royston's AS R94, golden-tested against
//	                 scipy.stats.shapiro.
//	boundary         share of near-tie answers (top-two score margin below
//	                 0.1) over the last 200 scored answers above 0.3
//	sweep            share of queries changing exactly one feature of the
//	                 previous one over the last 200 above 0.5 (grid and
//	                 feature-by-feature sweeps)
//	near_duplicates  LLM routes: share of prompts whose word-trigram Jaccard
//	                 similarity with one of the client's last 50 reaches 0.6,
//	                 over the last 100, above 0.5
//	llm_extraction   LLM routes: 3 or more prompts asking for the system
//	                 prompt (the guard's system-prompt rules, score >= 0.6) or
//	                 for verbatim training data
//
// Memory is bounded: at most MaxClients clients (least recently seen
// forgotten first), and per client capped rings and sets (MaxGrowing
// stored queries per class, MaxDistances distances, 200-entry windows,
// 50 prompts of at most 512 trigrams).
//
// Limits: thresholds are measured on one tabular workload (HopSkipJump and
// Featurewise against a linear model on the breast-cancer set, and real rows
// of it; docs/extraction.md); PRADA's δ must be calibrated per model on
// benign traffic, as the paper does. A patient attacker who spreads queries
// over many client identities, or mixes natural rows in, evades per-client
// detectors; Featurewise-style sweeps are caught by the sweep detector, not
// by PRADA. Verdicts are advice: the caller decides whether to throttle,
// block or alert.
package extraction
