// Package scan inspects model artifacts for code that runs when they are
// loaded, without ever loading them.
//
// A Scanner walks files, folders and archives, detects each blob's formats
// from its content (never from its name alone), and hands it to the analyser
// of every format it matches: a pickle with a ZIP appended is analysed as
// both. Analysers report Findings with stable rule ids (see Rules). Anything
// that cannot be fully analysed (a parse error, a truncated archive, a limit
// hit) is itself a finding, so a file is never reported clean by omission;
// neither is a file whose name promises a model format its content lacks
// (see promise.go), nor an empty folder (ErrNothingToScan).
//
// Decompression is bounded per top-level file: every archive and stream
// nested in it shares one expansion budget, and the first limit hit stops
// the file, so a nested bomb costs its first limit, not its full size.
//
// The parsers behind the analysers are our own (packages pickle, and those
// under formats/): they must read files exactly as the loaders do, stream
// with bounded memory, and never execute or import anything, which the
// frameworks' own readers do not promise.
package scan
