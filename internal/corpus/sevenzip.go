package corpus

import (
	"encoding/binary"
	"hash/crc32"
	"unicode/utf16"
)

// sevenZipStored writes a minimal 7z archive holding one file with the
// Copy codec (no compression): signature header, packed stream, and a
// plain (unencoded) header, per the 7-Zip 7zFormat.txt specification.
func sevenZipStored(name string, data []byte) []byte {
	num := func(b []byte, v uint64) []byte {
		switch {
		case v < 0x80:
			return append(b, byte(v))
		case v < 0x4000:
			return append(b, 0x80|byte(v>>8), byte(v))
		}
		return binary.LittleEndian.AppendUint64(append(b, 0xff), v)
	}
	var names []byte
	for _, u := range utf16.Encode([]rune(name)) {
		names = binary.LittleEndian.AppendUint16(names, u)
	}
	names = append(names, 0, 0)

	h := []byte{0x01, 0x04} // Header, MainStreamsInfo
	h = append(h, 0x06)     // PackInfo
	h = num(h, 0)           // PackPos
	h = num(h, 1)           // NumPackStreams
	h = append(h, 0x09)     // Size
	h = num(h, uint64(len(data)))
	h = append(h, 0x00)
	h = append(h, 0x07, 0x0b) // UnPackInfo, Folder
	h = num(h, 1)             // NumFolders
	h = append(h, 0x00)       // External
	h = num(h, 1)             // NumCoders
	h = append(h, 0x01, 0x00) // CodecIdSize 1, Copy
	h = append(h, 0x0c)       // CodersUnPackSize
	h = num(h, uint64(len(data)))
	h = append(h, 0x00)
	h = append(h, 0x08, 0x0a, 0x01) // SubStreamsInfo, CRC, AllAreDefined
	h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(data))
	h = append(h, 0x00, 0x00) // end SubStreamsInfo, end MainStreamsInfo
	h = append(h, 0x05)       // FilesInfo
	h = num(h, 1)
	h = append(h, 0x11) // Names
	h = num(h, uint64(len(names)+1))
	h = append(h, 0x00) // External
	h = append(h, names...)
	h = append(h, 0x00, 0x00) // end FilesInfo, end Header

	start := binary.LittleEndian.AppendUint64(nil, uint64(len(data)))
	start = binary.LittleEndian.AppendUint64(start, uint64(len(h)))
	start = binary.LittleEndian.AppendUint32(start, crc32.ChecksumIEEE(h))
	out := []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(start))
	out = append(out, start...)
	out = append(out, data...)
	return append(out, h...)
}
