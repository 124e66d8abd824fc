package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Interval is the minimum time between two redraws.
const Interval = 100 * time.Millisecond

// width is the number of cells in the bar.
const width = 30

// Render returns the bar for done of total files, without the carriage
// return, e.g. "scanning [#######-------] 12/40 files".
func Render(done, total int) string {
	return render("scanning", int64(done), int64(total), func(n int64) string { return fmt.Sprint(n) }, "files")
}

// RenderBytes returns the bar for done of total bytes under label, e.g.
// "hashing [####------] 1.2 GiB/3.0 GiB".
func RenderBytes(label string, done, total int64) string {
	return render(label, done, total, HumanBytes, "")
}

func render(label string, done, total int64, num func(int64) string, unit string) string {
	suffix := ""
	if unit != "" {
		suffix = " " + unit
	}
	if total <= 0 {
		return fmt.Sprintf("%s [%s] %s%s", label, strings.Repeat("-", width), num(done), suffix)
	}
	done = min(max(done, 0), total)
	filled := int(done * width / total)
	return fmt.Sprintf("%s [%s%s] %s/%s%s", label, strings.Repeat("#", filled), strings.Repeat("-", width-filled), num(done), num(total), suffix)
}

// HumanBytes formats n with a binary unit.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// A Bar writes progress to w (normally a terminal's stderr). It is safe for
// concurrent use; a nil *Bar ignores every call.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	unit  string
	now   func() time.Time
	last  time.Time
	drawn bool
}

// New returns a file-count bar writing to w.
func New(w io.Writer) *Bar { return &Bar{w: w, label: "scanning", now: time.Now} }

// NewBytes returns a byte-count bar labelled label writing to w.
func NewBytes(w io.Writer, label string) *Bar { return &Bar{w: w, label: label, now: time.Now} }

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ForTerminal returns NewBytes(w, label) when w is a terminal, else nil.
func ForTerminal(w io.Writer, label string) *Bar {
	if !IsTerminal(w) {
		return nil
	}
	return NewBytes(w, label)
}

// ForTerminalCount returns a bar counting units of work under label
// ("probing [###---] 12/40 inputs") when w is a terminal, else nil.
func ForTerminalCount(w io.Writer, label, unit string) *Bar {
	if !IsTerminal(w) {
		return nil
	}
	return &Bar{w: w, label: label, unit: unit, now: time.Now}
}

// RenderCount returns a count bar, e.g. "probing [###---] 12/40 inputs".
func RenderCount(label string, done, total int, unit string) string {
	return render(label, int64(done), int64(total), func(n int64) string { return fmt.Sprint(n) }, unit)
}

// Update redraws a file-count bar (or a ForTerminalCount bar), unless it
// was redrawn less than Interval ago and the work is not finished. Its
// signature matches scan.Options.Progress.
func (b *Bar) Update(done, total int) {
	if b != nil && b.unit != "" {
		b.draw(int64(done), int64(total), func() string { return RenderCount(b.label, done, total, b.unit) })
		return
	}
	b.draw(int64(done), int64(total), func() string { return Render(done, total) })
}

// UpdateBytes redraws a byte-count bar; its signature matches
// manifest.Options.Progress.
func (b *Bar) UpdateBytes(done, total int64) {
	b.draw(done, total, func() string { return RenderBytes(b.label, done, total) })
}

func (b *Bar) draw(done, total int64, line func() string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	if b.drawn && done < total && t.Sub(b.last) < Interval {
		return
	}
	b.last, b.drawn = t, true
	fmt.Fprint(b.w, "\r"+line()+"\x1b[K")
}

// Clear erases the bar so that what follows starts on a clean line.
func (b *Bar) Clear() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
}

// RenderTransfer returns a bar of bytes that also counts files, e.g.
// "pulling [####------] 1.2 GiB/3.0 GiB, 2/5 files".
func RenderTransfer(label string, files, totalFiles int, done, total int64) string {
	return fmt.Sprintf("%s, %d/%d files", RenderBytes(label, done, total), files, totalFiles)
}

// UpdateTransfer redraws a byte-count bar with a file count (push, pull);
// its signature matches registry/client's Progress.
func (b *Bar) UpdateTransfer(files, totalFiles int, done, total int64) {
	b.draw(done, total, func() string { return RenderTransfer(b.label, files, totalFiles, done, total) })
}
