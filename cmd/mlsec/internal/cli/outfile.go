package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// outFile is a file written through a temporary beside its path and renamed
// over it once complete (a rename within one folder is atomic), so an error,
// a crash or an interrupt never leaves a truncated report or BOM behind.
//
// A path that exists and is neither a regular file nor a folder (/dev/null,
// /dev/stdout, a named pipe) is written directly: renaming over it would
// replace the device with a regular file (-o /dev/null once turned the
// machine's /dev/null into a file). Such output is not atomic.
type outFile struct {
	*os.File // the temporary; nil once committed or discarded
	path     string
	direct   bool // File is path itself (a device or pipe)
}

// createOutFile creates the temporary for path; its error is os.CreateTemp's
// (or os.OpenFile's for a device or pipe).
func createOutFile(path string) (*outFile, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &outFile{File: f, path: path, direct: true}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &outFile{File: f, path: path}, nil
}

// createReportFile is createOutFile for a report named by a flag such as -o:
// it refuses a folder and words a failure for the user. It runs before the
// work, so a typo in the flag costs nothing.
func createReportFile(path string) (*outFile, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("-o %s is a folder; give a file name such as %s", path, filepath.Join(path, "mlsec-report.json"))
	}
	o, err := createOutFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write the report to %s: %w\nCheck that the folder exists and is writable; nothing was scanned", path, err)
	}
	return o, nil
}

// reportDest returns where a command writes its report: stdout when path is
// "" or "-", else a report file, also returned (non-nil) to be committed.
func reportDest(stdout io.Writer, path string) (io.Writer, *outFile, error) {
	if path == "" || path == "-" {
		return stdout, nil, nil
	}
	o, err := createReportFile(path)
	if err != nil {
		return nil, nil, err
	}
	return o, o, nil
}

// commit makes the temporary readable (CreateTemp makes it 0600), closes it
// and renames it over the path; on failure the temporary is removed.
func (o *outFile) commit() error {
	f := o.File
	o.File = nil
	if o.direct {
		return f.Close()
	}
	name := f.Name()
	err := f.Chmod(0o644)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, o.path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

// discard removes the temporary unless it was committed; it may be deferred
// on a nil *outFile.
func (o *outFile) discard() {
	if o == nil || o.File == nil {
		return
	}
	o.File.Close()
	if !o.direct {
		os.Remove(o.File.Name())
	}
	o.File = nil
}

// writeWith writes fn's output to the temporary and commits it, or discards
// it when fn fails.
func (o *outFile) writeWith(fn func(io.Writer) error) error {
	if err := fn(o.File); err != nil {
		o.discard()
		return err
	}
	return o.commit()
}

// writeFileAtomic writes a report file (see createReportFile) with fn.
func writeFileAtomic(path string, fn func(io.Writer) error) error {
	o, err := createReportFile(path)
	if err != nil {
		return err
	}
	return o.writeWith(fn)
}
