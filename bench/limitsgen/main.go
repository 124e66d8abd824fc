// Command limitsgen writes the hostile samples bench/limits.sh scans:
// a 42.zip-style nested bomb, a 4 GiB data.pkl of zeros at about 200:1,
// and a million-deep nested-list pickle (issue 9, R2 to R4). They are
// generated at run time, never committed.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsec/mlsec/internal/benchzip"
	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: limitsgen OUT_DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	deep := asm.New(2)
	const n = 1_000_000
	for i := 0; i < n; i++ {
		deep.EmptyList().LongBinPut(uint32(i))
	}
	for i := 0; i < n-1; i++ {
		deep.AppendOp()
	}
	for name, data := range map[string][]byte{
		"bomb42.zip":        benchzip.Bomb42(16, 1024),
		"zeros_datapkl.zip": benchzip.ZerosMember("data.pkl", 4096, true),
		"deep_list.pkl":     deep.Stop().Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%s\t%d\n", name, len(data))
	}
}
