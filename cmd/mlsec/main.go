// Command mlsec secures and governs the machine-learning lifecycle: it scans
// model artifacts, signs and verifies them, and describes them in an ML-BOM.
package main

import (
	"os"

	"github.com/mlsec/mlsec/cmd/mlsec/internal/cli"
)

func main() {
	os.Exit(cli.Execute())
}
