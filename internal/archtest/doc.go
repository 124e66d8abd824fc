// Package archtest holds no code: its test walks the module's import graph
// (go list -deps -json) and fails on an edge the architecture forbids, so
// the layering that README's Layout section draws stays true as packages are
// added. The rules live in one table in imports_test.go.
package archtest
