// Command torchzipgen writes a PyTorch-style checkpoint ZIP (archive/data.pkl
// plus stored tensor storages) quickly: storage bytes are zeros written as
// holes, so a 1.5 GB file costs almost no disk and no time. Used by
// bench/torchzip.sh. Usage: torchzipgen OUT [STORAGES] [STORAGE_MB]
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/mlsec/mlsec/internal/benchzip"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: torchzipgen OUT [STORAGES] [STORAGE_MB]")
		os.Exit(2)
	}
	n, mb := 300, 5
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	if len(os.Args) > 3 {
		mb, _ = strconv.Atoi(os.Args[3])
	}
	size, err := benchzip.WriteTorchZip(os.Args[1], n, int64(mb)<<20)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(size)
}
