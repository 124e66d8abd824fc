// Command peakrss runs a command and prints its peak resident memory, split
// into what the process allocated and what it mapped from files:
//
//	peakrss [-o FILE] COMMAND [ARG...]
//
// prints "maxrss KiB anon KiB file KiB": the kernel's peak RSS (VmHWM, what
// /usr/bin/time's %M reports) and the largest RssAnon and RssFile seen in
// /proc/PID/status, sampled every 200µs while the command runs (the two
// peaks need not coincide, so they need not add up to maxrss). RssFile is
// mostly the executable's own pages, which depend on how the kernel holds
// the file in its page cache (a binary written a moment ago maps more), so
// RssAnon is the figure a code change moves. The command's stdout and
// stderr pass through; its exit code is returned. Linux only.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "write the figures to this file instead of stderr")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: peakrss [-o FILE] COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		os.Exit(2)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var anon, file int
	var err error
	for waiting := true; waiting; {
		select {
		case err = <-done:
			waiting = false
		case <-time.After(200 * time.Microsecond):
			if s, rerr := os.ReadFile(status); rerr == nil {
				anon = max(anon, field(s, "RssAnon:"))
				file = max(file, field(s, "RssFile:"))
			}
		}
	}
	maxrss := int64(0)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxrss = ru.Maxrss // KiB on Linux
	}
	line := fmt.Sprintf("maxrss %d KiB anon %d KiB file %d KiB\n", maxrss, anon, file)
	if *out != "" {
		if werr := os.WriteFile(*out, []byte(line), 0o644); werr != nil {
			fmt.Fprintln(os.Stderr, "peakrss:", werr)
		}
	} else {
		fmt.Fprint(os.Stderr, line)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		os.Exit(exit.ExitCode())
	}
}

// field returns the KiB figure after key in a /proc status file (0 when
// absent).
func field(s []byte, key string) int {
	i := bytes.Index(s, []byte(key))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(s[i+len(key):])
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(string(f[0]))
	return n
}
