package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	cases := map[[2]int]string{
		{0, 4}:  "scanning [------------------------------] 0/4 files",
		{1, 4}:  "scanning [#######-----------------------] 1/4 files",
		{4, 4}:  "scanning [##############################] 4/4 files",
		{9, 4}:  "scanning [##############################] 4/4 files",
		{-1, 4}: "scanning [------------------------------] 0/4 files",
		{3, 0}:  "scanning [------------------------------] 3 files",
	}
	for in, want := range cases {
		if got := Render(in[0], in[1]); got != want {
			t.Errorf("Render(%d, %d) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func TestBarThrottlesAndClears(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf)
	now := time.Unix(0, 0)
	b.now = func() time.Time { return now }
	b.Update(1, 10) // first draw always happens
	b.Update(2, 10) // too soon: skipped
	now = now.Add(Interval)
	b.Update(3, 10)  // drawn
	b.Update(10, 10) // the last one is always drawn
	got := buf.String()
	if n := strings.Count(got, "\r"); n != 3 {
		t.Errorf("%d redraws, want 3: %q", n, got)
	}
	if strings.Contains(got, " 2/10 ") || !strings.Contains(got, " 3/10 ") || !strings.HasSuffix(got, "10/10 files\x1b[K") {
		t.Errorf("unexpected draws: %q", got)
	}
	buf.Reset()
	b.Clear()
	if buf.String() != "\r\x1b[K" {
		t.Errorf("Clear wrote %q", buf.String())
	}
	buf.Reset()
	b.Clear()
	if buf.Len() != 0 {
		t.Errorf("second Clear wrote %q", buf.String())
	}
}

func TestRenderBytesAndNilBar(t *testing.T) {
	if got, want := RenderBytes("hashing", 512<<20, 2<<30), "hashing [#######-----------------------] 512.0 MiB/2.0 GiB"; got != want {
		t.Errorf("RenderBytes = %q, want %q", got, want)
	}
	var b *Bar // what ForTerminal returns off a terminal
	b.UpdateBytes(1, 2)
	b.Update(1, 2)
	b.Clear()
	var buf bytes.Buffer
	if ForTerminal(&buf, "x") != nil {
		t.Error("ForTerminal returned a bar for a non-terminal writer")
	}
}

func TestCountBar(t *testing.T) {
	if got, want := RenderCount("probing", 3, 12, "inputs"), "probing [#######-----------------------] 3/12 inputs"; got != want {
		t.Errorf("RenderCount = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	b := &Bar{w: &buf, label: "probing", unit: "inputs", now: time.Now}
	b.Update(12, 12)
	if !strings.HasSuffix(buf.String(), "12/12 inputs\x1b[K") {
		t.Errorf("count bar drew %q", buf.String())
	}
	if ForTerminalCount(&buf, "probing", "inputs") != nil {
		t.Error("a buffer is not a terminal: want no bar")
	}
}

func TestTransferBar(t *testing.T) {
	t.Parallel()
	if got, want := RenderTransfer("pulling", 2, 5, 1<<20, 4<<20), "pulling [#######-----------------------] 1.0 MiB/4.0 MiB, 2/5 files"; got != want {
		t.Errorf("RenderTransfer = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	b := NewBytes(&buf, "pushing")
	b.UpdateTransfer(5, 5, 10, 10)
	if got := buf.String(); got != "\r"+RenderTransfer("pushing", 5, 5, 10, 10)+"\x1b[K" {
		t.Errorf("drawn %q", got)
	}
	var nb *Bar
	nb.UpdateTransfer(1, 2, 3, 4)
}
