// Package cli holds the cobra commands of the mlsec binary. Each command is a
// thin layer over a library package: it parses flags, calls the library and
// renders the result. Commands register themselves with register in an init
// function of their own file, so adding one never touches this file.
package cli
