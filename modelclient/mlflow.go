package modelclient

import "fmt"

// mlflow speaks the MLflow scoring server's /invocations API.
type mlflow struct {
	columns []string
	split   bool // dataframe_split (true) or inputs
	listDecoder
}

func newMLflow(c *Config) (*mlflow, error) {
	m := &mlflow{columns: c.Columns, listDecoder: listDecoder{c.LabelOutput, c.ScoresOutput}}
	switch c.Format {
	case "", "dataframe_split":
		m.split = true
		if len(c.Columns) == 0 {
			return nil, fmt.Errorf("mlflow dataframe_split needs the column names (or use the inputs format)")
		}
	case "inputs":
	default:
		return nil, fmt.Errorf("mlflow format %q: want dataframe_split or inputs", c.Format)
	}
	return m, nil
}

func (m *mlflow) Path() string { return "/invocations" }

func (m *mlflow) Encode(rows [][]float64) ([]byte, error) {
	b := make([]byte, 0, 64+len(rows)*len(m.columns)*20)
	if m.split {
		for i, r := range rows {
			if len(r) != len(m.columns) {
				return nil, fmt.Errorf("row %d has %d values for %d columns", i, len(r), len(m.columns))
			}
		}
		b = append(b, `{"dataframe_split":{"columns":`...)
		b = appendStrings(b, m.columns)
		b = append(b, `,"data":`...)
	} else {
		b = append(b, `{"inputs":`...)
	}
	b, err := appendRows(b, rows)
	if err != nil {
		return nil, err
	}
	if m.split {
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func (m *mlflow) Decode(body []byte, n int) ([]Prediction, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	if p, ok := field(v, "predictions"); ok {
		return m.decodeList(p, n, "predictions")
	}
	if _, ok := v.([]any); ok {
		return m.decodeList(v, n, "the answer")
	}
	return nil, malformed("want {\"predictions\": [...]} (MLflow 2) or a list (MLflow 1), got %s", kindOf(v))
}
