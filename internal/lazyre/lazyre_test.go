package lazyre_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/mlsec/mlsec/internal/lazyre"
)

func Example() {
	name := lazyre.New(`^[a-z0-9][a-z0-9._-]{0,127}$`) // nothing compiled yet
	fmt.Println(name.MatchString("iris-classifier"), name.MatchString("Iris"), name.MatchString(""))
	fmt.Println(name.FindStringSubmatch("v1.2"))
	// Output:
	// true false false
	// [v1.2]
}

func TestConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	re := lazyre.New(`^(\d+)([a-z]*)$`)
	var wg sync.WaitGroup
	got := make([][]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = re.FindStringSubmatch(fmt.Sprintf("%dkb", i))
		}()
	}
	wg.Wait()
	for i, m := range got {
		if len(m) != 3 || m[1] != fmt.Sprint(i) || m[2] != "kb" {
			t.Errorf("goroutine %d: %q", i, m)
		}
	}
	first := re.Regexp()
	if second := re.Regexp(); first != second {
		t.Error("compiled twice")
	}
	if re.String() != `^(\d+)([a-z]*)$` {
		t.Errorf("String() = %q", re.String())
	}
}

func TestBadPatternPanicsOnFirstUse(t *testing.T) {
	t.Parallel()
	re := lazyre.New(`(`) // no panic here
	defer func() {
		if recover() == nil {
			t.Error("a bad pattern did not panic on first use")
		}
	}()
	re.MatchString("x")
}
