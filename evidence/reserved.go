package evidence

import (
	"fmt"
	"sort"
)

// reservedRequired lists the result fields each reserved type must carry
// (docs/evidence.md and the JSON Schema describe them in full). Validate
// checks only their presence: these records come from other tools, and the
// policy checks values against thresholds.
var reservedRequired = map[string][]string{
	TypeApproval: {"approver", "action", "approved"},
	TypeTest:     {"suite", "passed", "failed"},
}

type reservedResult struct {
	typ string
	m   map[string]any
}

func (r reservedResult) validate() error {
	var missing []string
	for _, k := range reservedRequired[r.typ] {
		if _, ok := r.m[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return fmt.Errorf("missing field(s) %v", missing)
	}
	return nil
}
