// Package progress draws a one-line progress bar on a terminal. It is kept
// tiny on purpose: the scanner reports (done, total) per file and the bar
// redraws at most every Interval, so a folder of thousands of small files
// does not spend its time writing to the terminal.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Interval is the minimum time between two redraws.
const Interval = 100 * time.Millisecond

// width is the number of cells in the bar.
const width = 30

// Render returns the bar for done of total files, without the carriage
// return, e.g. "scanning [#######-------] 12/40 files".
func Render(done, total int) string {
	if total <= 0 {
		return fmt.Sprintf("scanning [%s] %d files", strings.Repeat("-", width), done)
	}
	if done > total {
		done = total
	}
	if done < 0 {
		done = 0
	}
	filled := done * width / total
	return fmt.Sprintf("scanning [%s%s] %d/%d files", strings.Repeat("#", filled), strings.Repeat("-", width-filled), done, total)
}

// A Bar writes progress to w (normally a terminal's stderr). It is safe for
// concurrent use.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	last  time.Time
	drawn bool
}

// New returns a bar writing to w.
func New(w io.Writer) *Bar { return &Bar{w: w, now: time.Now} }

// Update redraws the bar, unless it was redrawn less than Interval ago and
// the scan is not finished. Its signature matches scan.Options.Progress.
func (b *Bar) Update(done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	if b.drawn && done < total && t.Sub(b.last) < Interval {
		return
	}
	b.last, b.drawn = t, true
	fmt.Fprint(b.w, "\r"+Render(done, total)+"\x1b[K")
}

// Clear erases the bar so that what follows starts on a clean line.
func (b *Bar) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
}
