package modelclient

import (
	"context"
	"sync/atomic"
)

// Predictor answers rows: a *Client, or a model in process. Consumers
// declare their own one-method interface; this one is for Counter.
type Predictor interface {
	Predict(ctx context.Context, rows [][]float64) ([]Prediction, error)
}

var _ Predictor = (*Client)(nil)

// Counter wraps a Predictor and counts the rows it is asked about, so a
// probe knows its cost whatever answers it (Client.Stats counts HTTP
// traffic, retries included; Counter counts what the caller asked).
type Counter struct {
	P Predictor
	n atomic.Int64
}

var _ Predictor = (*Counter)(nil)

// Predict counts the rows and asks P.
func (c *Counter) Predict(ctx context.Context, rows [][]float64) ([]Prediction, error) {
	c.n.Add(int64(len(rows)))
	return c.P.Predict(ctx, rows)
}

// Queries is how many rows were asked about.
func (c *Counter) Queries() int64 { return c.n.Load() }
