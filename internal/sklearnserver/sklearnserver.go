package sklearnserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/table"
)

// Python is the interpreter with python3-sklearn (Debian's).
const Python = "/usr/bin/python3"

// StartTimeout bounds the wait for the ready line (training takes a
// second or two; a loaded 2-core machine needs more).
const StartTimeout = 90 * time.Second

// ErrUnavailable is wrapped when Python with scikit-learn cannot run.
var ErrUnavailable = errors.New("python3-sklearn is not available")

// Script is the absolute path of examples/sklearn-server/serve.py, found
// from this source file so that any package's tests can run it.
func Script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "examples", "sklearn-server", "serve.py")
}

// Available returns nil when Python can import scikit-learn, or an error
// wrapping ErrUnavailable that says what to install.
func Available() error {
	if out, err := exec.Command(Python, "-c", "import sklearn, numpy").CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s cannot import sklearn (%v: %.200s): apt-get install python3-sklearn", ErrUnavailable, Python, err, out)
	}
	return nil
}

// Server is a running serve.py.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	cmd *exec.Cmd
}

// Start runs serve.py --port 0 with extra args (such as --mlflow-model
// iris), waits for its ready line and returns the server. The script's
// stderr goes to stderr (nil discards it).
func Start(stderr io.Writer, args ...string) (*Server, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	cmd := exec.Command(Python, append([]string{Script(), "--port", "0"}, args...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", Script(), err)
	}
	s := &Server{cmd: cmd}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
		_, _ = io.Copy(io.Discard, out) // keep the pipe drained until exit
	}()
	select {
	case l := <-line:
		var port int
		if _, err := fmt.Sscanf(l, "listening %d", &port); err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: want a first stdout line \"listening PORT\", got %q (its stderr says why)", Script(), l)
		}
		s.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
		return s, nil
	case <-time.After(StartTimeout):
		s.Close()
		return nil, fmt.Errorf("%s did not start within %v", Script(), StartTimeout)
	}
}

// Close stops the server and waits for it.
func (s *Server) Close() error {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	_ = s.cmd.Wait()
	return nil
}

// Run runs serve.py with args to completion (the exports) and returns its
// combined output in the error when it fails.
func Run(args ...string) error {
	if err := Available(); err != nil {
		return err
	}
	out, err := exec.Command(Python, append([]string{Script()}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w: %s", Script(), args, err, out)
	}
	return nil
}

// Skip ends the test when err says scikit-learn is unavailable: skipped
// with the reason, or failed under CI=true where it must run. Any other
// non-nil err fails the test.
func Skip(t testing.TB, err error) {
	t.Helper()
	switch {
	case err == nil:
	case errors.Is(err, ErrUnavailable) && os.Getenv("CI") != "true":
		t.Skipf("needs the scikit-learn server: %v", err)
	case errors.Is(err, ErrUnavailable):
		t.Fatalf("the scikit-learn tests must run in CI (.ci/run installs python3-sklearn): %v", err)
	default:
		t.Fatal(err)
	}
}

// StartT is Start for a test: it skips or fails as Skip says, stops the
// server when the test ends, and returns the URL.
func StartT(t testing.TB, args ...string) string {
	t.Helper()
	s, err := Start(os.Stderr, args...)
	Skip(t, err)
	t.Cleanup(func() { s.Close() })
	return s.URL
}

// RunT is Run for a test, with Skip's rules.
func RunT(t testing.TB, args ...string) {
	t.Helper()
	Skip(t, Run(args...))
}

// ReadXY reads a numeric table the script exports or ships (such as
// --export-train's CSV or data/breast_cancer.csv) through internal/table,
// the project's one table reader: every column but the last is a feature,
// the last is the label. A cell that is not a number fails the test.
func ReadXY(t testing.TB, path string) (x [][]float64, y []float64) {
	t.Helper()
	fr, err := table.ReadFrame(path, table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fr.Columns) < 2 {
		t.Fatalf("%s: %d columns, want features and a label", path, len(fr.Columns))
	}
	for _, c := range fr.Columns {
		if c.Kind != table.KindNumber || c.Nulls > 0 {
			t.Fatalf("%s: column %q is not all numbers", path, c.Name)
		}
	}
	d := len(fr.Columns) - 1
	x, y = make([][]float64, fr.Rows), make([]float64, fr.Rows)
	for i := range x {
		x[i] = make([]float64, d)
		for j := range d {
			x[i][j] = fr.Columns[j].Num[i]
		}
		y[i] = fr.Columns[d].Num[i]
	}
	return x, y
}
