package cli

import (
	"errors"
	"fmt"
	"io"
)

// Run builds the root command, runs it with args, writing to stdout and
// stderr, and returns the process exit code. It is Execute without the
// process globals, for tests and for embedding mlsec in another program.
func Run(args []string, stdout, stderr io.Writer) int {
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root := NewRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return exitCode(root.Execute(), stderr)
}

// exitCode maps a command's error to an exit code (see docs/exit-codes.md)
// and prints the error, if any, to stderr. Errors that carry no code are
// usage errors: cobra's own (unknown command, wrong arguments) among them.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "mlsec:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "mlsec:", err)
	return ExitUsage
}
