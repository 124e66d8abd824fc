// Package progress draws a one-line progress bar on a terminal. It is kept
// tiny on purpose: callers report (done, total) and the bar redraws at most
// every Interval, so a folder of thousands of small files or a stream of
// small hash updates does not spend its time writing to the terminal.
//
// Bars are for people: ForTerminal returns nil unless the writer is a
// terminal, and every method of a nil *Bar does nothing, so callers never
// branch on whether output is interactive.
package progress
