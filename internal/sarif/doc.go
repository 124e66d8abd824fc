// Package sarif is the subset of the SARIF 2.1.0 object model that GitHub
// code scanning ingests, shared by the scan report writer (scan/output) and
// the gate decision writer (gate).
//
// It is hand-written rather than generated from the OASIS schema or taken
// from a library because it is small (a few structs) and because our
// outputs are pinned byte for byte by golden files: the field order and
// the omitempty rules here are part of that contract, so change them only
// together with the goldens.
package sarif
