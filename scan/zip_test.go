package scan

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestZipHiddenMember(t *testing.T) { // CVE-2025-1889 and its protocol-0 residual
	for _, p := range []string{arcEvilP2, arcEvilP0} {
		b := arcZip(t, arcMember{name: "readme.md", data: "# model\n"}, arcMember{name: "data.txt", data: p})
		rep := arcScan(t, nil, "hidden_member.zip", b)
		arcMust(t, rep, "PKL001", "data.txt")
		if rep.Files[0].Format != FormatZip {
			t.Errorf("format %s", rep.Files[0].Format)
		}
	}
}

func TestZipLocalNameMismatch(t *testing.T) { // CVE-2025-1944
	b := arcZip(t, arcMember{name: "archive/data.pkl", data: arcEvilP2})
	l := arcLocal(t, b, "archive/data.pkl")
	copy(b[l+30:], "archive/datap.kl")
	rep := arcScan(t, nil, "model.pt", b)
	arcMust(t, rep, "PKL001", "archive/data.pkl")
	f := arcMust(t, rep, "ARC005", "", "local-name-mismatch", "archive/datap.kl")
	if f.Offset != int64(l) || f.Severity != SeverityLow {
		t.Errorf("offset %d severity %v", f.Offset, f.Severity)
	}
	if rep.Files[0].Format != FormatPyTorchZip {
		t.Errorf("format %s", rep.Files[0].Format)
	}
}

func TestZipFlagBits(t *testing.T) { // CVE-2025-1945
	for _, bit := range []uint16{0x1, 0x20, 0x40} {
		b := arcZip(t, arcMember{name: "archive/data.pkl", data: arcEvilP2})
		l, c := arcLocal(t, b, "archive/data.pkl"), arcCentral(t, b, "archive/data.pkl")
		binary.LittleEndian.PutUint16(b[l+6:], binary.LittleEndian.Uint16(b[l+6:])|bit)
		binary.LittleEndian.PutUint16(b[c+8:], binary.LittleEndian.Uint16(b[c+8:])|bit)
		rep := arcScan(t, nil, "model.pt", b)
		arcMust(t, rep, "PKL001", "archive/data.pkl")
		arcMust(t, rep, "ARC005", "", "flag-bits", fmt.Sprintf("0x%x", bit))
	}
}

func TestZipCRCMismatch(t *testing.T) { // CVE-2025-10156
	b := arcZip(t, arcMember{name: "archive/data.pkl", data: arcEvilP2})
	l := arcLocal(t, b, "archive/data.pkl")
	i := bytes.Index(b[l:], []byte("echo hi"))
	copy(b[l+i:], "echo HI") // same length, CRC now wrong
	rep := arcScan(t, nil, "crc_mismatch.pt", b)
	arcMust(t, rep, "PKL001", "archive/data.pkl")
	if f := arcMust(t, rep, "ARC005", "", "crc-mismatch"); f.Offset != int64(l) {
		t.Errorf("offset %d, want %d", f.Offset, l)
	}
	// Deflated members are checked as they are decompressed.
	b = arcZip(t, arcMember{name: "archive/data.pkl", data: arcEvilP2, method: zip.Deflate})
	c := arcCentral(t, b, "archive/data.pkl")
	b[c+16] ^= 0xff
	rep = arcScan(t, nil, "crc_mismatch2.pt", b)
	arcMust(t, rep, "PKL001", "archive/data.pkl")
	arcMust(t, rep, "ARC005", "", "crc-mismatch")
}

func TestZipCorruptMemberBeforeDataPkl(t *testing.T) { // modelscan #354
	b := arcZip(t, arcMember{name: "archive/aaa", data: "corrupt me"}, arcMember{name: "archive/data.pkl", data: arcEvilP2})
	l := arcLocal(t, b, "archive/aaa")
	copy(b[l:], "JUNK")
	rep := arcScan(t, nil, "model.pt", b)
	arcMust(t, rep, "FMT001", "archive/aaa", "no local header")
	arcMust(t, rep, "PKL001", "archive/data.pkl")
}

func TestZipPolyglot(t *testing.T) {
	// Pickle first, benign ZIP appended: pickle.load runs the pickle.
	b := append([]byte(arcEvilP2), arcZip(t, arcMember{name: "notes.txt", data: "hello"})...)
	rep := arcScan(t, nil, "polyglot.pkl", b)
	arcMust(t, rep, "PKL001", "")
	arcMust(t, rep, "ARC006", "")
	arcMust(t, rep, "ARC005", "", "prepended-data", fmt.Sprintf("%d bytes", len(arcEvilP2)))
	if arcFind(rep, "FMT001", "notes.txt") != nil {
		t.Errorf("appended member not read through the base offset:\n%s", arcDump(rep))
	}
	// Junk (a self-extractor stub) before a ZIP holding the payload.
	b = append([]byte(strings.Repeat("MZ stub ", 100)), arcZip(t, arcMember{name: "archive/data.pkl", data: arcEvilP2})...)
	rep = arcScan(t, nil, "sfx.bin", b)
	arcMust(t, rep, "PKL001", "archive/data.pkl")
	arcMust(t, rep, "ARC005", "", "prepended-data")
}

func TestZipTraversalAndSymlink(t *testing.T) {
	b := arcZip(t,
		arcMember{name: "../../evil.pkl", data: arcBenign2},
		arcMember{name: "/etc/cron.d/x", data: "x"},
		arcMember{name: "C:/Windows/x", data: "x"},
		arcMember{name: "a\\..\\..\\b", data: "x"},
		arcMember{name: "ok/fine.txt", data: "x"},
		arcMember{name: "link", data: "/etc/passwd", mode: fs.ModeSymlink | 0o777},
	)
	rep := arcScan(t, nil, "slip.zip", b)
	for _, m := range []string{"../../evil.pkl", "/etc/cron.d/x", "C:/Windows/x", "a\\..\\..\\b"} {
		arcMust(t, rep, "ARC001", m)
	}
	if f := arcFind(rep, "ARC001", "ok/fine.txt"); f != nil {
		t.Errorf("false traversal: %v", f)
	}
	if f := arcMust(t, rep, "ARC002", "link"); f.Argument != "/etc/passwd" {
		t.Errorf("link target %q", f.Argument)
	}
}

func TestZipBombRatio(t *testing.T) {
	lim := DefaultLimits()
	lim.RatioGrace, lim.MaxRatio = 1<<20, 50
	// A name that promises no format, so the member is inflated (a .bin or
	// .pkl of zeros is refused from its first byte, see deadOnArrival).
	b := arcZip(t, arcMember{name: "zeros.dat", data: strings.Repeat("\x00", 8<<20), method: zip.Deflate})
	rep := arcScan(t, &lim, "bomb.zip", b)
	arcMust(t, rep, "ARC003", "zeros.dat", "MaxRatio")
	lim = DefaultLimits()
	lim.MaxExpandedBytes = 1 << 20
	rep = arcScan(t, &lim, "bomb.zip", b)
	arcMust(t, rep, "ARC003", "zeros.dat", "MaxExpandedBytes")
	if rep.Files[0].Status != StatusError {
		t.Errorf("status %s", rep.Files[0].Status)
	}
}

func TestZipNestedDepthBomb(t *testing.T) {
	b := arcZip(t, arcMember{name: "data.pkl", data: arcEvilP2})
	member := "data.pkl"
	for i := 0; i < 12; i++ {
		b = arcZip(t, arcMember{name: "n.zip", data: string(b), method: zip.Deflate})
		member = "n.zip!/" + member
	}
	rep := arcScan(t, nil, "nested.zip", b)
	f := arcMust(t, rep, "ARC003", strings.Repeat("n.zip!/", 8)+"n.zip", "nesting deeper than 8")
	if f.Severity < SeverityMedium {
		t.Errorf("severity %v", f.Severity)
	}
}

func TestZipEntryLimit(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i < 100_001; i++ {
		w.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Store})
	}
	w.Close()
	rep := arcScan(t, nil, "many.zip", buf.Bytes())
	arcMust(t, rep, "ARC003", "", "MaxEntries", "100001")
	if rep.Files[0].Members != 100_000 {
		t.Errorf("members %d", rep.Files[0].Members)
	}
}

func TestZipDuplicateEOCD(t *testing.T) { // ModelAudit #1780/#1546
	b := arcZip(t, arcMember{name: "archive/data.pkl", data: arcEvilP2})
	fake := make([]byte, 22)
	copy(fake, "PK\x05\x06") // an empty directory for readers that take the last record
	rep := arcScan(t, nil, "model.pt", append(b, fake...))
	arcMust(t, rep, "PKL001", "archive/data.pkl")
	arcMust(t, rep, "ARC005", "", "multiple-eocd")
}

func TestZipDuplicateNames(t *testing.T) {
	b := arcZip(t, arcMember{name: "archive/data.pkl", data: arcBenign2}, arcMember{name: "archive/data.pkl", data: arcEvilP2})
	rep := arcScan(t, nil, "model.pt", b)
	arcMust(t, rep, "ARC005", "", "duplicate-name")
	arcMust(t, rep, "PKL001", "archive/data.pkl")
}

func TestZipUnsupportedAndEncrypted(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateRaw(&zip.FileHeader{Name: "x.bin", Method: 14, CompressedSize64: 3, UncompressedSize64: 3})
	f.Write([]byte("abc"))
	f, _ = w.CreateRaw(&zip.FileHeader{Name: "enc.pkl", Method: zip.Deflate, Flags: 0x1, CompressedSize64: 16, UncompressedSize64: 40})
	f.Write(bytes.Repeat([]byte{0xff}, 16)) // not a valid deflate stream
	w.Close()
	rep := arcScan(t, nil, "odd.zip", buf.Bytes())
	arcMust(t, rep, "ARC004", "x.bin", "method 14")
	arcMust(t, rep, "ARC004", "enc.pkl", "encrypted")
}

func TestZipBenignText(t *testing.T) {
	b := arcZip(t, arcMember{name: "a.txt", data: "hello"}, arcMember{name: "docs/b.md", data: "# title\n", method: zip.Deflate})
	rep := arcScan(t, nil, "docs.zip", b)
	if len(rep.Findings) != 0 {
		t.Fatalf("findings on a benign zip:\n%s", arcDump(rep))
	}
	if rep.Files[0].Members != 2 || rep.Files[0].Status != StatusScanned {
		t.Errorf("file result %+v", rep.Files[0])
	}
}

func TestZipClassify(t *testing.T) {
	cases := []struct {
		want Format
		ms   []arcMember
	}{
		{FormatPyTorchZip, []arcMember{{name: "m/data.pkl", data: arcBenign2}, {name: "m/data/0", data: "\x00\x00"}, {name: "m/version", data: "3\n"}}},
		{FormatTorchScript, []arcMember{{name: "m/data.pkl", data: arcBenign2}, {name: "m/constants.pkl", data: arcBenign2}, {name: "m/code/__torch__/x.py", data: "def f(x):\n  return x\n"}}},
		{FormatKeras, []arcMember{{name: "metadata.json", data: `{"keras_version": "3.5.0"}`}, {name: "config.json", data: `{}`}}},
		{FormatNPZ, []arcMember{{name: "a.npy", data: arcNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", "\x00\x00\x00\x00")}}},
		{FormatZip, []arcMember{{name: "metadata.json", data: `{}`}, {name: "config.json", data: `{}`}}},
	}
	for _, c := range cases {
		rep := arcScan(t, nil, "x.zip", arcZip(t, c.ms...))
		if rep.Files[0].Format != c.want {
			t.Errorf("%v: format %s, want %s", c.ms[0].name, rep.Files[0].Format, c.want)
		}
		if c.want == FormatNPZ && len(rep.Findings) != 0 {
			t.Errorf("npz findings:\n%s", arcDump(rep))
		}
	}
}

func TestTorchScriptCode(t *testing.T) {
	code := "def forward(self, x):\n  y = ops.prim.NumToTensor(x)\n  z = torch.ops.aten.add(y, y)\n  return torch.ops.evil_ns.run_shell(z)\n" +
		"def g(self):\n  torch.ops.load_library(\"/tmp/x.so\")\n"
	b := arcZip(t,
		arcMember{name: "m/data.pkl", data: arcBenign2},
		arcMember{name: "m/constants.pkl", data: arcBenign2},
		arcMember{name: "m/code/__torch__/model.py", data: code, method: zip.Deflate},
	)
	rep := arcScan(t, nil, "script.pt", b)
	f := arcMust(t, rep, "TORCH002", "m/code/__torch__/model.py", "evil_ns")
	if f.Callable != "torch.ops.evil_ns.run_shell" || f.Offset != int64(strings.Index(code, "ops.evil_ns")) {
		t.Errorf("callable %q offset %d", f.Callable, f.Offset)
	}
	arcMust(t, rep, "TORCH002", "m/code/__torch__/model.py", "load_library")
	for _, g := range rep.Findings {
		if g.RuleID == "TORCH002" && (strings.Contains(g.Callable, "aten") || strings.Contains(g.Callable, "prim")) {
			t.Errorf("standard namespace flagged: %+v", g)
		}
	}
}

func TestZipTensorStoragesAreLite(t *testing.T) {
	// Storages are sniffed by magic only: a text-looking storage is not
	// analysed as text, but a pickle hidden in a storage is still found.
	b := arcZip(t,
		arcMember{name: "archive/data.pkl", data: arcBenign2},
		arcMember{name: "archive/data/0", data: "{\"not\": \"json\"}"},
		arcMember{name: "archive/data/1", data: arcEvilP2},
	)
	rep := arcScan(t, nil, "model.pt", b)
	arcMust(t, rep, "PKL001", "archive/data/1")
	for _, f := range rep.Findings {
		if f.Member == "archive/data/0" {
			t.Errorf("storage analysed beyond its magic: %+v", f)
		}
	}
}

func TestZipOverlappingBombBudget(t *testing.T) {
	// Many central entries share one deflate stream (Fifield's overlapping
	// bomb): each is under the per-member limits, the archive is not.
	one := arcZip(t, arcMember{name: "z", data: strings.Repeat("\x00", 2<<20), method: zip.Deflate})
	c := arcCentral(t, one, "z")
	entry := one[c : len(one)-22]
	var cd []byte
	for i := 0; i < 200; i++ {
		cd = append(cd, entry...)
	}
	eocd := append([]byte(nil), one[len(one)-22:]...)
	binary.LittleEndian.PutUint16(eocd[8:], 200)
	binary.LittleEndian.PutUint16(eocd[10:], 200)
	binary.LittleEndian.PutUint32(eocd[12:], uint32(len(cd)))
	b := append(append(append([]byte(nil), one[:c]...), cd...), eocd...)
	lim := DefaultLimits()
	lim.RatioGrace, lim.MaxRatio = 8<<20, 100
	rep := arcScan(t, &lim, "overlap.zip", b)
	arcMust(t, rep, "ARC003", "z", "MaxRatio", "counted across nested archives")
	arcMust(t, rep, "ARC005", "", "overlapping-entries")
	if rep.Files[0].Members >= 200 {
		t.Errorf("budget did not stop the scan: %d members", rep.Files[0].Members)
	}
}
