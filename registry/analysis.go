package registry

import (
	"context"
	"time"
)

// analysisPoll is how often WaitAnalysis looks at the version again. The
// store is polled, not notified, so replicas sharing a PostgreSQL database
// see each other's workers finish.
const analysisPoll = 100 * time.Millisecond

// WaitAnalysis returns model's version number once its analysis is no
// longer pending, or as it is when max has passed (Analysis still
// pending) or ctx ends. It checks read permission like GetVersion.
func (s *Service) WaitAnalysis(ctx context.Context, a Actor, model string, number int, max time.Duration) (Version, error) {
	deadline := time.Now().Add(max)
	for {
		v, _, err := s.GetVersion(ctx, a, model, number)
		if err != nil || v.Analysis != AnalysisPending || !time.Now().Before(deadline) {
			return v, err
		}
		t := time.NewTimer(min(analysisPoll, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return v, nil
		case <-t.C:
		}
	}
}
