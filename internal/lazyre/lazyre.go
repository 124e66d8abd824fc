// Package lazyre holds regular expressions that are compiled on first use.
//
// Every mlsec command links every package, and Go runs every package's
// initialisation at start-up whether the command needs it or not. A
// pattern with a counted repetition such as [a-z0-9._-]{0,127} compiles to
// one instruction per repetition: the handful of name patterns in the
// registry, bom and gateway packages cost 0.8 MB and 11,000 allocations at
// every start (GODEBUG=inittrace=1). A Regexp declared with New costs
// nothing until it is used, and is then compiled once.
//
// Limits: a bad pattern panics on first use instead of at start-up, so
// each pattern needs a test that uses it (every one here has one in its
// package).
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled on first use. It is safe for
// concurrent use, like regexp.Regexp.
type Regexp struct {
	pattern string
	re      func() *regexp.Regexp
}

// New returns a Regexp for pattern (RE2 syntax, as regexp.MustCompile).
func New(pattern string) *Regexp {
	return &Regexp{pattern: pattern, re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })}
}

// Regexp returns the compiled expression, compiling it on the first call.
func (r *Regexp) Regexp() *regexp.Regexp { return r.re() }

// String returns the pattern without compiling it.
func (r *Regexp) String() string { return r.pattern }

// MatchString reports whether s contains a match of the pattern.
func (r *Regexp) MatchString(s string) bool { return r.re().MatchString(s) }

// FindStringSubmatch is regexp.Regexp.FindStringSubmatch.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.re().FindStringSubmatch(s) }

// FindAllString is regexp.Regexp.FindAllString.
func (r *Regexp) FindAllString(s string, n int) []string { return r.re().FindAllString(s, n) }
