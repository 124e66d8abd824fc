package fairness

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// TrendMetrics are the headline metrics a history shows (between groups).
var TrendMetrics = []string{DemographicParityDifference, DemographicParityRatio, EqualizedOddsDifference, EqualOpportunityDifference}

// HistoryEntry is one fairness evaluation of one model version: when, on
// which data and attributes, and its headline metrics between groups (nil:
// undefined or not reported).
type HistoryEntry struct {
	Version    int                 `json:"version"`
	Stage      string              `json:"stage,omitempty"`
	Digest     string              `json:"digest"`
	Time       time.Time           `json:"time"`
	Dataset    string              `json:"dataset,omitempty"`
	Attributes string              `json:"attributes"`
	Metrics    map[string]*float64 `json:"metrics"`
	Passed     *bool               `json:"passed,omitempty"`
	Producer   string              `json:"producer,omitempty"`
}

// NewHistoryEntry reads a fairness record of a version. Metrics without a
// method (other tools') count as between_groups.
func NewHistoryEntry(version int, stage string, rec evidence.Record) (HistoryEntry, error) {
	res, err := rec.DecodeResult()
	if err != nil {
		return HistoryEntry{}, err
	}
	fr, ok := res.(*evidence.FairnessResult)
	if !ok {
		return HistoryEntry{}, fmt.Errorf("%w: a %s record is not fairness evidence", evidence.ErrInvalid, rec.Type)
	}
	e := HistoryEntry{Version: version, Stage: stage, Digest: rec.Subject.SHA256(), Time: rec.Timestamp.UTC(),
		Dataset: fr.Dataset, Attributes: strings.Join(fr.SensitiveAttributes, "*"), Passed: fr.Passed,
		Metrics: map[string]*float64{}, Producer: rec.Producer.Tool}
	for _, name := range TrendMetrics {
		m := fr.Metric(name, MethodBetweenGroups)
		if m == nil {
			m = fr.Metric(name, "")
		}
		if m != nil {
			e.Metrics[name] = m.Value
		}
	}
	if e.Attributes == "" {
		for _, m := range fr.Metrics {
			if m.Attribute != "" {
				e.Attributes = m.Attribute
				break
			}
		}
	}
	return e, nil
}

// SortHistory orders entries by version, then time.
func SortHistory(es []HistoryEntry) {
	slices.SortStableFunc(es, func(a, b HistoryEntry) int {
		return cmp.Or(cmp.Compare(a.Version, b.Version), a.Time.Compare(b.Time))
	})
}

// WriteHistoryText writes one line per evaluation: version, stage, date,
// attributes and the headline metrics.
func WriteHistoryText(w io.Writer, model string, es []HistoryEntry) error {
	ew := &errWriter{w: w}
	if len(es) == 0 {
		fmt.Fprintf(ew, "%s has no fairness evidence yet: run 'mlsec fairness ... --evidence FILE' and attach it with 'mlsec push'.\n", model)
		return ew.err
	}
	fmt.Fprintf(ew, "Fairness history of %s (headline metrics between groups; n/a = undefined)\n\n", model)
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	head := []string{"VERSION", "STAGE", "DATE", "ATTRIBUTES", "DATASET"}
	for _, m := range TrendMetrics {
		head = append(head, strings.ToUpper(strings.ReplaceAll(short(m), "_", " ")))
	}
	fmt.Fprintln(tw, strings.Join(append(head, "VERDICT"), "\t"))
	for _, e := range es {
		cells := []string{fmt.Sprint(e.Version), orDash(e.Stage), e.Time.Format("2006-01-02 15:04"), orDash(e.Attributes), orDash(e.Dataset)}
		for _, m := range TrendMetrics {
			v, ok := e.Metrics[m]
			switch {
			case !ok:
				cells = append(cells, "-")
			case v == nil:
				cells = append(cells, "n/a")
			default:
				cells = append(cells, fmt.Sprintf("%.4f", *v))
			}
		}
		verdict := "-"
		if e.Passed != nil {
			verdict = map[bool]string{true: "passed", false: "failed"}[*e.Passed]
		}
		fmt.Fprintln(tw, strings.Join(append(cells, verdict), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return ew.err
}

// short abbreviates a headline metric name for column headers.
func short(name string) string {
	r := strings.NewReplacer("demographic_parity", "dp", "equalized_odds", "eo", "equal_opportunity", "eopp")
	return r.Replace(name)
}
