package policy_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/policy"
)

// Decide a promotion from evidence: a scan record with a critical finding,
// evaluated by the embedded default policies. Prepare the engine once and
// evaluate many inputs with it.
func Example() {
	ctx := context.Background()
	eng, err := policy.New(ctx, policy.Options{})
	if err != nil {
		panic(err)
	}
	digest := "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
	subject := evidence.NewSubject("fraud-model", digest)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	rec, err := evidence.New(evidence.TypeScan, subject, "example", now, evidence.ScanResult{
		Summary:     map[string]int{"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 1},
		MaxSeverity: "critical",
		Findings: []evidence.ScanFinding{{RuleID: "PKL001", Severity: "critical", Path: "model.pkl",
			Message: "pickle calls posix.system"}},
		FilesScanned: 1,
	})
	if err != nil {
		panic(err)
	}
	d, err := eng.Evaluate(ctx, policy.Input{
		Subject:  policy.Subject{Name: subject.Name, Digest: subject.Digest},
		Evidence: []evidence.Item{{Record: rec, FirstParty: true}},
		Action:   policy.Action{Name: "promote", Stage: "production"},
		Context:  policy.Context{Time: now.Format(time.RFC3339)},
	})
	if err != nil {
		panic(err)
	}
	// The scan finding denies (SCAN-002); the missing signature and BOM
	// evidence deny too: absent evidence is never a pass.
	fmt.Println("allowed:", d.Allowed)
	for _, r := range d.Denies {
		fmt.Println("deny", r.ID)
	}
	// Output:
	// allowed: false
	// deny MLSEC-BOM-001
	// deny MLSEC-SCAN-002
	// deny MLSEC-SIG-001
}
