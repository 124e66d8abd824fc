package report

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

func TestDataConcern(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		d                        registry.TrainingDataset
		concern, approval, piiIs string
	}{
		{registry.TrainingDataset{Digest: "d"}, "Not registered:", "not registered", "unknown"},
		{registry.TrainingDataset{Registered: true, Approval: "approved", ApprovedBy: "bob", ApprovedAt: &at, PIIScanned: true},
			"", "approved by bob on 1 March 2026 at 10:00 UTC", "none found"},
		{registry.TrainingDataset{Registered: true, Approval: "approved", ApprovedBy: "bob", ApprovedAt: &at},
			"No complete scan for personal data", "approved by bob", "not scanned"},
		{registry.TrainingDataset{Registered: true, Approval: "pending", PIIScanned: true, Entities: map[string]int64{"PHONE_NUMBER": 2, "EMAIL_ADDRESS": 1}},
			"Not approved: the approval of this data version is still pending.", "waiting for approval", "EMAIL_ADDRESS (1 values), PHONE_NUMBER (2 values)"},
		{registry.TrainingDataset{Registered: true, Approval: "rejected", ApprovedBy: "carol", PIIScanned: false, SensitiveAttributes: []string{"race"}},
			"Rejected by carol: this data version must not be used", "rejected by carol", "none found; sensitive attributes: race (scan incomplete)"},
		{registry.TrainingDataset{Registered: true, Approval: "none"}, "Not approved: the dataset was recorded without a version", "no approvable version", "not scanned"},
	} {
		got := DataConcern(c.d)
		if (c.concern == "") != (got == "") || !strings.HasPrefix(got, c.concern) {
			t.Errorf("%+v: concern %q, want %q", c.d, got, c.concern)
		}
		if a := DataApproval(&c.d); !strings.HasPrefix(a, c.approval) {
			t.Errorf("%+v: approval %q, want %q", c.d, a, c.approval)
		}
		if p := DataPII(&c.d); p != c.piiIs {
			t.Errorf("%+v: pii %q, want %q", c.d, p, c.piiIs)
		}
	}
}

// tdSource answers TrainingData with err (the rest of Source unused).
type tdSource struct {
	fakeSource
	err error
}

func (s *tdSource) TrainingData(context.Context, string, int) ([]registry.TrainingDataset, error) {
	return nil, s.err
}

// TestTrainingDataUnavailable: a token that may not read the training
// data, or a registry without the query, gives a note, not a failed report;
// any other error fails the report.
func TestTrainingDataUnavailable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		note string
	}{
		{&client.Error{Status: 403, Message: "forbidden"}, "may not read"},
		{fmt.Errorf("x: %w", registry.ErrForbidden), "may not read"},
		{&client.Error{Status: 404, Message: "not found"}, "predates dataset governance"},
		{&client.Error{Status: 500, Message: "boom"}, ""},
	} {
		l := &Lineage{Datasets: []LineageDataset{{Digest: "d"}}}
		err := trainingData(t.Context(), &tdSource{err: c.err}, "m", 1, l)
		if c.note == "" {
			if err == nil {
				t.Errorf("%v: no error", c.err)
			}
			continue
		}
		if err != nil || !strings.Contains(l.DataNote, c.note) || l.Datasets[0].Data != nil {
			t.Errorf("%v: %v, note %q", c.err, err, l.DataNote)
		}
	}
}
