package evidence

import (
	"encoding/json"
	"testing"
)

func TestOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ, result, want string
	}{
		{TypeScan, `{"summary": {"info":0,"low":0,"medium":0,"high":0,"critical":0}, "max_severity": "none", "findings": [], "files_scanned": 4}`, "clean (4 files)"},
		{TypeScan, `{"summary": {"info":0,"low":0,"medium":1,"high":2,"critical":0}, "max_severity": "high", "findings": []}`, "findings (max high: 2 high, 1 medium)"},
		{TypeSignature, `{"verified": true, "status": "verified", "method": "key"}`, "verified"},
		{TypeSignature, `{"verified": false, "method": "key"}`, "failed"},
		{TypeSignature, `{"verified": false, "status": "unsigned", "method": "key"}`, "unsigned"},
		{TypeBOM, `{"completeness_score": 83, "missing_fields": []}`, "completeness 83/100"},
		{TypeFairness, `{"metrics": [], "passed": false}`, "failed"},
		{TypeFairness, `{"metrics": []}`, "no verdict"},
		{TypeRobustness, `{"attacks": [], "passed": true}`, "passed"},
		{TypeDrift, `{"metric": "share_of_drifted_columns", "value": 0.3, "drifted": true, "number_of_columns": 10, "number_of_drifted_columns": 3, "complete": false}`, "drift (3/10 columns), incomplete"},
		{TypeDrift, `{"metric": "psi", "value": 0.01, "drifted": false}`, "no drift"},
		{TypeScan, `{"summary": "many"}`, "unreadable result"},
		{TypeApproval, `{"approved_by": "alice"}`, "-"},
		{TypeTest, `{"passed": true}`, "passed"},
		{TypeScan, ``, "-"},
	} {
		if got := Outcome(Record{Type: tc.typ, Result: json.RawMessage(tc.result)}); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.typ, tc.result, got, tc.want)
		}
	}
}
