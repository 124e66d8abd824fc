// Package scan inspects model artifacts for code that runs when they are
// loaded, without ever loading them.
//
// A Scanner walks files, folders and archives, detects each blob's formats
// from its content (never from its name alone), and hands it to the analyser
// of every format it matches: a pickle with a ZIP appended is analysed as
// both. Analysers report Findings with stable rule ids (see Rules). Anything
// that cannot be fully analysed (a parse error, a truncated archive, a limit
// hit) is itself a finding, so a file is never reported clean by omission.
//
// The parsers behind the analysers are our own (packages pickle, and those
// under formats/): they must read files exactly as the loaders do, stream
// with bounded memory, and never execute or import anything, which the
// frameworks' own readers do not promise.
package scan
