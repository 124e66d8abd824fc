package policies

import "embed"

// FS holds every .rego file of the default bundle, tests included (the
// policy package skips *_test.rego when evaluating), and the profiles:
// profiles/NAME.json is the data a profile sets under data.mlsec, beneath
// the user's own --data files.
//
//go:embed *.rego profiles/*.json
var FS embed.FS

// DefaultProfile is the profile used when none is chosen.
const DefaultProfile = "baseline"
