package probe_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
	"github.com/mlsec/mlsec/probe"
	"github.com/mlsec/mlsec/probe/attack"
)

// Probe a served model's robustness: a loopback KServe v2 server answers
// "approved" when income > 50 (thousands); one-feature changes and
// HopSkipJump look for the smallest change that flips each answer. Income
// is written as whole numbers, so adversarial incomes are whole numbers
// too, and each was sent to the model again to confirm the flip.
func Example() {
	srv := modeltest.NewServer(modeltest.Linear{W: []float64{1, 0}, B: -50})
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "probe-example")
	defer os.RemoveAll(dir)
	table := filepath.Join(dir, "sample.csv")
	_ = os.WriteFile(table, []byte("income,age,approved\n20,30,0\n45,41,0\n58,25,1\n90,60,1\n100,22,1\n"), 0o644)

	s, err := probe.LoadSample(table, probe.SampleOptions{Label: "approved"})
	if err != nil {
		panic(err)
	}
	c, _ := modelclient.New(modelclient.Config{Endpoint: srv.URL, Protocol: modelclient.KServeV2, Model: "credit"})
	rep, err := probe.Robustness(context.Background(), c, s, probe.Options{
		Attacks: []attack.Attack{attack.Featurewise{}, attack.HopSkipJump{}}, Epsilon: 0.1, Budget: 1000, Seed: 1,
	})
	if err != nil {
		panic(err)
	}
	for _, a := range rep.Attacks {
		fmt.Printf("%s: fooled %d of %d, robust accuracy at ε 0.1: %.0f%%\n", a.Name, a.Succeeded, a.Attempted, 100*a.RobustAccuracy)
	}
	for _, e := range rep.Attacks[1].Examples {
		fmt.Printf("row %d: income %.0f → %.1f flips %s to %s\n", e.Row, e.Original[0], e.Adversarial[0], e.LabelBefore, e.LabelAfter)
	}
	// Output:
	// featurewise: fooled 5 of 5, robust accuracy at ε 0.1: 80%
	// hsj: fooled 5 of 5, robust accuracy at ε 0.1: 60%
	// row 0: income 20 → 51.0 flips 0 to 1
	// row 1: income 45 → 51.0 flips 0 to 1
	// row 2: income 58 → 50.0 flips 1 to 0
	// row 3: income 90 → 50.0 flips 1 to 0
	// row 4: income 100 → 50.0 flips 1 to 0
}
