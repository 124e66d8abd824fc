// Package policies embeds mlsec's default Rego policy bundle (package
// mlsec.gate and its helpers in mlsec.lib) so the binary needs no files at
// run time. The .rego files in this folder are the readable source; their
// *_test.rego unit tests run inside 'go test ./policy/'.
package policies
