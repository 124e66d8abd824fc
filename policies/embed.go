package policies

import "embed"

// FS holds every .rego file of the default bundle, tests included (the
// policy package skips *_test.rego when evaluating).
//
//go:embed *.rego
var FS embed.FS
