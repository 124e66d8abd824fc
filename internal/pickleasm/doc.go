// Package pickleasm assembles pickle byte streams for tests. It writes
// opcodes exactly as asked, with no validation, so tests can build both the
// streams CPython writes and the malformed ones attackers craft.
//
//	b := pickleasm.New(2).Global("os", "system").Unicode("echo hi").Tuple1().Reduce().Stop().Bytes()
package pickleasm
