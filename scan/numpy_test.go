package scan

import (
	"archive/zip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// arcNpy builds a version-1.0 .npy file as numpy writes it.
func arcNpy(dict string, data string) string {
	h := dict + " "
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	return "\x93NUMPY\x01\x00" + string(binary.LittleEndian.AppendUint16(nil, uint16(len(h)))) + h + data
}

func TestNumPyObjectArray(t *testing.T) {
	b := arcNpy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", arcEvilP2)
	rep := arcScan(t, nil, "evil.npy", []byte(b))
	f := arcMust(t, rep, "NPY001", "", "object dtype")
	if f.Offset != int64(len(b)-len(arcEvilP2)) || f.Severity != SeverityLow {
		t.Errorf("offset %d severity %v", f.Offset, f.Severity)
	}
	arcMust(t, rep, "PKL001", "<object array pickle>")
	// Structured dtypes with an object field are object arrays too.
	b = arcNpy("{'descr': [('a', '<f4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", arcEvilP2)
	rep = arcScan(t, nil, "evil2.npy", []byte(b))
	arcMust(t, rep, "NPY001", "")
	arcMust(t, rep, "PKL001", "<object array pickle>")
}

func TestNumPyNumeric(t *testing.T) {
	ok := arcNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", strings.Repeat("\x00", 24))
	rep := arcScan(t, nil, "a.npy", []byte(ok))
	if len(rep.Findings) != 0 || rep.Files[0].Format != FormatNumPy {
		t.Fatalf("format %s findings:\n%s", rep.Files[0].Format, arcDump(rep))
	}
	short := ok[:len(ok)-4]
	rep = arcScan(t, nil, "short.npy", []byte(short))
	arcMust(t, rep, "FMT001", "", "20 bytes", "needs 24")
	rep = arcScan(t, nil, "bad.npy", []byte(arcNpy("{'descr': '<f4', 'shape': (2, 3), }", "")))
	arcMust(t, rep, "FMT001", "", "keys")
}

func TestNPZNumeric(t *testing.T) {
	a := arcNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", strings.Repeat("\x01", 24))
	b := arcNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 1), }", strings.Repeat("\x02", 8))
	rep := arcScan(t, nil, "arrays.npz", arcZip(t, arcMember{name: "a.npy", data: a}, arcMember{name: "b.npy", data: b, method: zip.Deflate}))
	if len(rep.Findings) != 0 || rep.Files[0].Format != FormatNPZ {
		t.Fatalf("format %s findings:\n%s", rep.Files[0].Format, arcDump(rep))
	}
}

// TestBenignContainers checks that real containers written by torch, numpy
// and sklearn raise nothing at medium or above.
func TestBenignContainers(t *testing.T) {
	root := benignDir(t)
	n := 0
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rep := arcScanFile(t, nil, p)
		switch rep.Files[0].Format {
		case FormatZip, FormatPyTorchZip, FormatTorchScript, FormatNPZ, FormatNumPy, FormatTar, Format7z,
			FormatGzip, FormatBzip2, FormatXz, FormatLzma, FormatZlib, FormatLz4, FormatZstd:
			n++
			for _, f := range rep.Findings {
				if f.Severity < SeverityMedium {
					continue
				}
				// Pickle verdicts on framework classes belong to the pickle
				// analyser's allowlists (tracked there); everything the
				// container layer decides must be clean.
				if strings.HasPrefix(f.RuleID, "PKL") {
					t.Logf("%s: pickle analyser: %s %s: %s", p, f.RuleID, f.Member, f.Message)
					continue
				}
				t.Errorf("%s (%s): %s [%v] %s @%d: %s", p, rep.Files[0].Format, f.RuleID, f.Severity, f.Member, f.Offset, f.Message)
			}
		}
		return nil
	})
	t.Logf("%d benign containers scanned", n)
}
