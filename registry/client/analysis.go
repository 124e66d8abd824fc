package client

import (
	"context"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// WaitAnalysis polls the version every poll (default 1 s) until the
// server's analysis is no longer pending, and returns it. When ctx ends
// first it returns the version as last seen with ctx's error.
func (c *Client) WaitAnalysis(ctx context.Context, model string, number int, poll time.Duration) (VersionView, error) {
	if poll <= 0 {
		poll = time.Second
	}
	for {
		v, err := c.GetVersion(ctx, model, number)
		if err != nil || v.Analysis != registry.AnalysisPending {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(poll):
		}
	}
}
