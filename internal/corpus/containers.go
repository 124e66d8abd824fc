package corpus

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	_ "embed"
	"encoding/binary"
	"hash/crc32"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

//go:embed testdata/evil_bz2.joblib
var evilBz2 []byte

// A zent is one ZIP member: STORED unless deflate is set.
type zent struct {
	name    string
	data    []byte
	deflate bool
	raw     []byte // pre-compressed bytes written as is (deflate method)
}

// zipAt writes a ZIP whose offsets assume it starts at byte `at` of the
// final file (for polyglots with a prefix). Headers carry CRC and sizes (no
// data descriptors), so byte patches can find and change them.
func zipAt(at int64, ents ...zent) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.SetOffset(at)
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range ents {
		h := &zip.FileHeader{Name: e.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(e.data),
			UncompressedSize64: uint64(len(e.data)), Modified: mod}
		body := e.data
		switch {
		case e.raw != nil:
			h.Method, body = zip.Deflate, e.raw
		case e.deflate:
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestCompression)
			fw.Write(e.data)
			fw.Close()
			h.Method, body = zip.Deflate, c.Bytes()
		}
		h.CompressedSize64 = uint64(len(body))
		fw, err := w.CreateRaw(h)
		if err != nil {
			panic(err)
		}
		fw.Write(body)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func zipOf(ents ...zent) []byte { return zipAt(0, ents...) }

// torchZip lays out a torch.save archive around data.pkl.
func torchZip(dataPkl []byte) []byte {
	return zipOf(
		zent{name: "archive/data.pkl", data: dataPkl},
		zent{name: "archive/byteorder", data: []byte("little")},
		zent{name: "archive/data/0", data: make([]byte, 16)},
		zent{name: "archive/version", data: []byte("3\n")},
	)
}

// localHeader and centralHeader find the headers of member name.
func localHeader(z []byte, name string) int {
	for i := 0; i+30 <= len(z); i++ {
		if bytes.HasPrefix(z[i:], []byte("PK\x03\x04")) {
			n := int(binary.LittleEndian.Uint16(z[i+26:]))
			if i+30+n <= len(z) && string(z[i+30:i+30+n]) == name {
				return i
			}
		}
	}
	panic("corpus: no local header for " + name)
}

func centralHeader(z []byte, name string) int {
	for i := 0; i+46 <= len(z); i++ {
		if bytes.HasPrefix(z[i:], []byte("PK\x01\x02")) {
			n := int(binary.LittleEndian.Uint16(z[i+28:]))
			if i+46+n <= len(z) && string(z[i+46:i+46+n]) == name {
				return i
			}
		}
	}
	panic("corpus: no central header for " + name)
}

// patchCRC makes member name's stored CRC-32 disagree with its data.
func patchCRC(z []byte, name string) []byte {
	z = append([]byte{}, z...)
	l, c := localHeader(z, name), centralHeader(z, name)
	binary.LittleEndian.PutUint32(z[l+14:], binary.LittleEndian.Uint32(z[l+14:])^0xdeadbeef)
	binary.LittleEndian.PutUint32(z[c+16:], binary.LittleEndian.Uint32(z[c+16:])^0xdeadbeef)
	return z
}

// patchFlags sets general-purpose flag bits in both headers of name.
func patchFlags(z []byte, name string, flags uint16) []byte {
	z = append([]byte{}, z...)
	l, c := localHeader(z, name), centralHeader(z, name)
	binary.LittleEndian.PutUint16(z[l+6:], binary.LittleEndian.Uint16(z[l+6:])|flags)
	binary.LittleEndian.PutUint16(z[c+8:], binary.LittleEndian.Uint16(z[c+8:])|flags)
	return z
}

// patchLocalName renames member name in its local header only (same length).
func patchLocalName(z []byte, name, local string) []byte {
	if len(name) != len(local) {
		panic("corpus: local name must keep the length")
	}
	z = append([]byte{}, z...)
	l := localHeader(z, name)
	copy(z[l+30:], local)
	return z
}

type tent struct {
	name, link string
	typ        byte
	data       []byte
}

func tarOf(ents ...tent) []byte {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: 0o644, Size: int64(len(e.data)),
			ModTime: mod, Format: tar.FormatUSTAR}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		if err := w.WriteHeader(h); err != nil {
			panic(err)
		}
		if typ == tar.TypeReg {
			w.Write(e.data)
		}
	}
	w.Close()
	return buf.Bytes()
}

// Compression wrappers, as joblib.dump(compress=...) writes them.
func zlibOf(p []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, 3)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

func gzipOf(p []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, 3)
	w.ModTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

func xzOf(p []byte) []byte {
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		panic(err)
	}
	w.Write(p)
	w.Close()
	return b.Bytes()
}

func lzmaOf(p []byte) []byte {
	var b bytes.Buffer
	w, err := lzma.NewWriter(&b)
	if err != nil {
		panic(err)
	}
	w.Write(p)
	w.Close()
	return b.Bytes()
}

func lz4Of(p []byte) []byte {
	var b bytes.Buffer
	w := lz4.NewWriter(&b)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

func zstdOf(p []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		panic(err)
	}
	defer w.Close()
	return w.EncodeAll(p, nil)
}

// npyObject is an .npy of dtype object: the header, then a pickle.
func npyObject(p []byte) []byte {
	hdr := "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	out := []byte("\x93NUMPY\x01\x00")
	out = binary.LittleEndian.AppendUint16(out, uint16(len(hdr)))
	out = append(out, hdr...)
	return append(out, p...)
}

// matrixSamples are the container rows of the survey's §9 matrix.
func matrixSamples() []Sample {
	ref := "survey §9"
	poly := append([]byte{}, MaliciousP4...)
	poly = append(poly, zipAt(int64(len(MaliciousP4)), zent{name: "readme.txt", data: []byte("hello\n")})...)
	legacy4th := legacyTorch(legacyMagic(), MaliciousP2)
	out := matrixPickles()
	out = append(out,
		ben("benign_zip.pt", "9", "torch.save-style ZIP of a state dict", torchZip(torchDataPkl())),
		mal("legacy_torch_payload_in_4th.pt", "5.1", "legacy stacked torch file, payload in the object (4th) pickle", "survey §5.1 (modelscan scans only the magic pickle)", legacy4th, "PKL001"),
		mal("crc_mismatch.pt", "5.1", "torch ZIP whose data.pkl CRC-32 disagrees with its bytes", "CVE-2025-10156, GHSA-mjqp-26hc-grxg", patchCRC(torchZip(MaliciousP2), "archive/data.pkl"), "PKL001"),
		mal("hidden_member.zip", "5.1", "protocol-4 pickle in a member named data.txt", "CVE-2025-1889", zipOf(zent{name: "data.txt", data: MaliciousP4}), "PKL001"),
		mal("hidden_member_p0.zip", "5.1", "protocol-0 pickle (no \\x80 magic) in a member named data.txt", "CVE-2025-1889 residual; ModelAudit PR #624", zipOf(zent{name: "data.txt", data: MaliciousP0}), "PKL001"),
		mal("plain_pickle.bin", "5.1", "plain pickle with a torch extension", "CVE-2025-10155, GHSA-jgw4-cr84-mqxg", MaliciousP2, "PKL001"),
		mal("polyglot_pickle_zip.pkl", "5.1", "malicious pickle with a benign ZIP appended (.pkl)", ref+" (undisclosed picklescan gap)", poly, "PKL001"),
		mal("polyglot_pickle_zip.bin", "5.1", "malicious pickle with a benign ZIP appended (.bin)", ref, poly, "PKL001"),
		mal("evil_zlib.joblib", "5.1", "zlib-compressed pickle (joblib compress='zlib')", "picklescan PR #68", zlibOf(MaliciousP2), "PKL001"),
		mal("evil_gzip.joblib", "5.1", "gzip-compressed pickle (joblib compress='gzip')", "picklescan PR #68", gzipOf(MaliciousP2), "PKL001"),
		mal("evil_bz2.joblib", "5.1", "bzip2-compressed pickle (joblib compress='bz2')", "picklescan PR #68", evilBz2, "PKL001"),
		mal("evil_xz.joblib", "5.1", "xz-compressed pickle (joblib compress='xz')", "picklescan PR #68", xzOf(MaliciousP2), "PKL001"),
		mal("evil_lzma.joblib", "5.1", "legacy .lzma pickle (joblib compress='lzma')", "picklescan PR #68", lzmaOf(MaliciousP2), "PKL001"),
		mal("evil_lz4.joblib", "5.1", "lz4-frame pickle (joblib compress='lz4')", "picklescan PR #68", lz4Of(MaliciousP2), "PKL001"),
		mal("evil_zstd.joblib", "5.1", "zstd-compressed pickle", "survey §10.3 (wrappers)", zstdOf(MaliciousP2), "PKL001"),
	)
	return out
}

// containerSamples are the other container/routing differentials of §5.1.
func containerSamples() []Sample {
	var out []Sample
	add := func(file, technique, ref string, data []byte, rules ...string) {
		out = append(out, mal("container/"+file, "5.1", technique, ref, data, rules...))
	}
	add("local_name_mismatch.pt", "local header names datap.kl, central directory data.pkl", "CVE-2025-1944",
		patchLocalName(torchZip(MaliciousP2), "archive/data.pkl", "archive/datap.kl"), "PKL001")
	for _, f := range []struct {
		flag uint16
		name string
	}{{0x1, "0x1"}, {0x20, "0x20"}, {0x40, "0x40"}} {
		add("flag_"+f.name+".pt", "general-purpose flag "+f.name+" set on data.pkl (CPython refuses, torch ignores)", "CVE-2025-1945",
			patchFlags(torchZip(MaliciousP2), "archive/data.pkl", f.flag), "PKL001")
	}
	corrupt := zipOf(
		zent{name: "archive/aaa_corrupt.bin", data: []byte("0123456789abcdef"), raw: []byte{0xff, 0xff, 0xff, 0xff}},
		zent{name: "archive/data.pkl", data: MaliciousP2},
		zent{name: "archive/version", data: []byte("3\n")},
	)
	add("corrupt_member_first.pt", "corrupt member before data.pkl aborts a fail-open member loop", "modelscan #354", corrupt, "PKL001")
	add("pytorch_model.bin", "protocol-0 plain pickle named pytorch_model.bin (no \\x80 magic)", "CVE-2025-10155 (ModelAudit variant)",
		MaliciousP0, "PKL001")
	evalMagic := pa4call("builtins", "eval", "0x1950A86A20F9469CFC6C")
	add("legacy_magic_eval.pt", "legacy torch whose magic number is computed by eval(); payload in the object pickle",
		"GHSA-97f8-7cmv-76j2", legacyTorch(evalMagic, MaliciousP2), "TORCH001", "PKL001")
	add("legacy_tar.pt", "torch 0.1.1 tar layout with the payload in the 'pickle' member", "survey §2 (legacy tar)",
		tarOf(tent{name: "sys_info", data: pa4benign()}, tent{name: "pickle", data: MaliciousP2},
			tent{name: "storages", data: pa4benign()}, tent{name: "tensors", data: pa4benign()}), "PKL001")
	add("model.tar.gz", "gzip-compressed tar with a malicious pickle member", "survey §10.3 (TAR/OCI layers)",
		gzipOf(tarOf(tent{name: "model/model.pkl", data: MaliciousP4})), "PKL001")
	add("zip_slip.zip", "ZIP member ../../evil.pkl escapes the extraction folder", "Protect AI PAIT-ARV-100",
		zipOf(zent{name: "../../evil.pkl", data: MaliciousP4}), "ARC001", "PKL001")
	add("zip_absolute.zip", "ZIP member with an absolute path", "Protect AI PAIT-ARV-100",
		zipOf(zent{name: "/tmp/evil.sh", data: []byte("#!/bin/sh\necho hi\n")}), "ARC001")
	add("tar_slip.tar", "TAR member ../evil.pkl escapes the extraction folder", "Protect AI PAIT-ARV-100",
		tarOf(tent{name: "../evil.pkl", data: MaliciousP4}), "ARC001", "PKL001")
	add("tar_symlink.tar", "TAR symlink to /etc/passwd", "ModelAudit archive scanner",
		tarOf(tent{name: "weights.bin", typ: tar.TypeSymlink, link: "/etc/passwd"}), "ARC002", "ARC001")
	deep := MaliciousP4
	for i := 0; i < 10; i++ {
		deep = zipOf(zent{name: "inner.zip", data: deep})
	}
	add("nested_depth.zip", "payload under ten levels of nested ZIPs (depth limit must fail closed)", "ModelAudit limits (depth 5)",
		deep, "ARC003", "PKL001")
	add("object_array.npy", "NumPy object array: a pickle after the .npy header", "picklescan dns_exfiltration.npy",
		npyObject(MaliciousP2), "PKL001")
	add("object_array.npz", "npz whose member is an object array", "picklescan object_arrays.npz",
		zipOf(zent{name: "arr_0.npy", data: npyObject(MaliciousP2)}), "PKL001")
	add("nullifai_7z.pt", "torch archive packed as 7z instead of ZIP", "nullifAI (a); picklescan #35",
		sevenZipStored("archive/data.pkl", MaliciousP2), "PKL001")
	return out
}

func pa4call(module, name string, args ...any) []byte { return reduceP4(module, name, args...) }

func pa4benign() []byte { return []byte("\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.") }
