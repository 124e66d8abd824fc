package fairness

import (
	"errors"
	"io"
)

// WriteHTML is pending the shared chart renderer (internal/chart).
func WriteHTML(io.Writer, *Result) error {
	return errors.New("--format html is not available in this build yet (it waits for internal/chart); use table, json or sarif")
}
