package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/probe"
)

func init() { register(newProbeCmd) }

func newProbeCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "probe",
		Short: "Attack and explain a served model from the outside (robustness, explainability)",
		Long: `probe tests a model where it is served, over HTTP, without loading it: any
framework behind KServe v2 / Open Inference Protocol, the MLflow scoring
server, TensorFlow Serving, or any JSON API described by a template.

  robustness  black-box evasion attacks (HopSkipJump, Boundary, SimBA, random
              noise, one feature at a time): how small a change flips the
              model's answers, and how many answers survive a given change
  explain     permutation importance (as scikit-learn defines it) and
              per-prediction reason labels
  llm         garak-like probes of an OpenAI-compatible chat endpoint
              (injection, jailbreaks, system-prompt and PII leaks,
              regurgitation, encodings, refusals); no sample table

Both read a sample table (CSV, JSON Lines or Parquet) of inputs, count every
query they send, and write robustness / explainability evidence bound to the
model version with --evidence. docs/probe.md documents every attack, figure
and protocol.`,
		Example: `  mlsec probe robustness --endpoint http://127.0.0.1:8501 --protocol kserve-v2 --served-model credit --data sample.csv --label approved
  mlsec probe explain --endpoint http://127.0.0.1:5000 --protocol mlflow --data sample.parquet --label approved`,
	}
	c.AddCommand(newProbeRobustnessCmd(), newProbeExplainCmd(), newProbeLLMCmd())
	return c
}

// endpointFlags describe the served model and how to call it (shared by
// the probe subcommands).
type endpointFlags struct {
	endpoint, protocol          string
	served, servedVersion       string
	input, datatype             string
	labelOut, scoresOut, format string
	signature, template         string
	headers                     []string
	batch, concurrency, retries int
	timeout                     time.Duration
	maxQueries                  int64
	latencies                   *modelclient.Latencies
}

func (f *endpointFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.endpoint, "endpoint", "", "base `URL` of the model server, e.g. http://127.0.0.1:8080 (required)")
	fs.StringVar(&f.protocol, "protocol", "", "serving protocol: kserve-v2, mlflow, tfserving or json (required)")
	fs.StringVar(&f.served, "served-model", "", "model `NAME` on the server (kserve-v2 and tfserving: the {name} in the URL)")
	fs.StringVar(&f.servedVersion, "served-version", "", "model version on the server (kserve-v2, tfserving)")
	fs.StringVar(&f.input, "input-name", "", "kserve-v2 input tensor name (default input-0)")
	fs.StringVar(&f.datatype, "datatype", "", "kserve-v2 input datatype: FP64 (default) or FP32")
	fs.StringVar(&f.labelOut, "label-output", "", "output tensor or field holding the answer, when the server returns several")
	fs.StringVar(&f.scoresOut, "scores-output", "", "output tensor or field holding per-class scores")
	fs.StringVar(&f.format, "request-format", "", "mlflow: dataframe_split (default) or inputs; tfserving: instances (default) or inputs")
	fs.StringVar(&f.signature, "signature", "", "tfserving signature_name")
	fs.StringVar(&f.template, "template", "", "json protocol: template `FILE` (docs/probe.md)")
	fs.StringArrayVar(&f.headers, "header", nil, "add an HTTP header to every request, e.g. 'Authorization: Bearer TOKEN' (repeatable)")
	fs.IntVar(&f.batch, "batch", modelclient.DefaultBatchSize, "most rows per request")
	fs.IntVar(&f.concurrency, "concurrency", modelclient.DefaultConcurrency, "most requests in flight")
	fs.DurationVar(&f.timeout, "timeout", modelclient.DefaultTimeout, "time allowed per request attempt")
	fs.IntVar(&f.retries, "retries", modelclient.DefaultRetries, "retries of a request that failed on the network, timed out, or got 429/502/503/504 (0: none)")
	fs.Int64Var(&f.maxQueries, "max-queries", 0, "stop after this many queries in total, retries included (0: no limit)")
}

// client builds the model client for the sample's columns.
func (f *endpointFlags) client(columns []string) (*modelclient.Client, error) {
	if f.endpoint == "" || f.protocol == "" {
		return nil, errors.New("--endpoint URL and --protocol (kserve-v2, mlflow, tfserving or json) are required")
	}
	cfg := modelclient.Config{
		Endpoint: f.endpoint, Protocol: modelclient.Protocol(f.protocol), Model: f.served, Version: f.servedVersion,
		Columns: columns, InputName: f.input, Datatype: f.datatype, LabelOutput: f.labelOut, ScoresOutput: f.scoresOut,
		Format: f.format, Signature: f.signature, BatchSize: f.batch, Concurrency: f.concurrency, Timeout: f.timeout,
		Retries: f.retries, Budget: f.maxQueries,
	}
	if f.retries == 0 {
		cfg.Retries = -1
	}
	if f.template != "" {
		t, err := modelclient.ReadTemplate(f.template)
		if err != nil {
			return nil, fmt.Errorf("--template: %w", err)
		}
		cfg.Template = t
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(f.concurrency, 1)
	var rt http.RoundTripper = tr
	if len(f.headers) > 0 {
		h := http.Header{}
		for _, kv := range f.headers {
			k, v, ok := strings.Cut(kv, ":")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, fmt.Errorf("--header %q: want 'Name: value'", kv)
			}
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		rt = modelclient.WithHeader(rt, h)
	}
	f.latencies = &modelclient.Latencies{}
	cfg.Transport = modelclient.Observe(rt, f.latencies.Observe)
	if f.served == "" && (cfg.Protocol == modelclient.KServeV2 || cfg.Protocol == modelclient.TFServing) {
		return nil, fmt.Errorf("--protocol %s needs --served-model NAME (the model's name on the server)", f.protocol)
	}
	return modelclient.New(cfg)
}

// traffic reads what the client cost.
func (f *endpointFlags) traffic(c *modelclient.Client) *probe.Traffic {
	st := c.Stats()
	return &probe.Traffic{Requests: st.Requests, Retries: st.Retries, Failures: st.Failures,
		LatencyP50Ms: float64(f.latencies.Quantile(0.5).Microseconds()) / 1000, LatencyP99Ms: float64(f.latencies.Quantile(0.99).Microseconds()) / 1000}
}

// sampleFlags choose the sample table's rows and describe its columns.
type sampleFlags struct {
	data                        string
	features                    []string
	label                       string
	fixed, integer, categorical []string
	ranges                      []string
	rows                        int
	seed                        uint64
	trimSpace                   bool
}

func (f *sampleFlags) register(fs *pflag.FlagSet, rowsDefault int) {
	fs.StringVar(&f.data, "data", "", "sample table `FILE` (CSV, TSV, JSON Lines or Parquet, optionally .gz) (required)")
	fs.StringSliceVar(&f.features, "features", nil, "input columns in the model's order (default: every column but --label)")
	fs.StringVar(&f.label, "label", "", "true-label `COLUMN`")
	fs.StringSliceVar(&f.fixed, "fixed", nil, "features never changed (e.g. ones an attacker cannot touch)")
	fs.StringSliceVar(&f.integer, "integer", nil, "features that take whole numbers (also recognised from the table)")
	fs.StringSliceVar(&f.categorical, "categorical", nil, "numeric-coded categories: only their listed values are valid")
	fs.StringArrayVar(&f.ranges, "range", nil, "`COL=MIN:MAX` valid range of a feature (default: its range in the table) (repeatable)")
	fs.IntVar(&f.rows, "rows", rowsDefault, "probe at most this many rows, chosen at random with --seed (0: all)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of every random choice (rows, attacks, permutations)")
	fs.BoolVar(&f.trimSpace, "trim-space", false, "trim spaces after CSV delimiters (files written with \", \")")
}

func (f *sampleFlags) load() (*probe.Sample, error) {
	if f.data == "" {
		return nil, errors.New("--data FILE (the sample table) is required")
	}
	opt := probe.SampleOptions{Features: f.features, Label: f.label, Fixed: f.fixed, Integer: f.integer,
		Categorical: f.categorical, Rows: f.rows, Seed: f.seed, TrimSpace: f.trimSpace, Ranges: map[string][2]float64{}}
	for _, r := range f.ranges {
		col, span, ok := strings.Cut(r, "=")
		lo, hi, ok2 := strings.Cut(span, ":")
		a, err1 := strconv.ParseFloat(lo, 64)
		b, err2 := strconv.ParseFloat(hi, 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || col == "" {
			return nil, fmt.Errorf("--range %q: want COL=MIN:MAX", r)
		}
		opt.Ranges[col] = [2]float64{a, b}
	}
	if f.rows < 0 {
		return nil, fmt.Errorf("--rows %d: want 0 (all) or more", f.rows)
	}
	return probe.LoadSample(f.data, opt)
}

// writeProbeEvidence writes a probe's evidence to --evidence, bound to
// the model version the shared --model/--model-digest group names
// (modelRef: the digest push gives the folder, attachments left out).
func writeProbeEvidence(ctx context.Context, ev *modelRef, build func(evidence.Subject, string, time.Time) (evidence.Record, error)) error {
	subj, err := ev.subject(ctx)
	if err != nil {
		return err
	}
	rec, err := build(subj, version.String(), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("--evidence: %w", err)
	}
	return writeFileAtomic(ev.evidence, func(w io.Writer) error { return evidence.Write(w, rec) })
}

// outputFlags are --format and -o.
type outputFlags struct{ format, out string }

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.format, "format", "table", "output format: table, json or html")
	fs.StringVarP(&o.out, "output", "o", "", "write the report to `FILE` instead of stdout")
}

func (o *outputFlags) check() error {
	switch o.format {
	case "table", "json", "html":
		return nil
	}
	return fmt.Errorf("--format %q: want table, json or html", o.format)
}

// write renders the report to stdout or -o FILE.
func (o *outputFlags) write(stdout io.Writer, table, html func(io.Writer) error, v any) error {
	render := func(w io.Writer) error {
		switch o.format {
		case "json":
			return probe.WriteJSON(w, v)
		case "html":
			return html(w)
		}
		return table(w)
	}
	if o.out == "" || o.out == "-" {
		return render(stdout)
	}
	return writeFileAtomic(o.out, render)
}

// prepareProbe does everything that can fail before the first query:
// the command's own flag check (err), the shared flags, the sample and
// the client, so a mistake costs the model server nothing.
func prepareProbe(err error, sf *sampleFlags, ep *endpointFlags, out *outputFlags, ev *modelRef) (*probe.Sample, *modelclient.Client, error) {
	if err == nil {
		err = out.check()
	}
	if err == nil {
		err = ev.check()
	}
	if err != nil {
		return nil, nil, withCode(ExitUsage, err)
	}
	s, err := sf.load()
	if err != nil {
		return nil, nil, withCode(ExitUsage, err)
	}
	cl, err := ep.client(columns(s))
	if err != nil {
		return nil, nil, withCode(ExitUsage, err)
	}
	return s, cl, nil
}

func columns(s *probe.Sample) []string {
	out := make([]string, len(s.Features))
	for i, f := range s.Features {
		out[i] = f.Name
	}
	return out
}

// probeReport is what finishProbe needs of a probe's report.
type probeReport interface {
	Served(endpoint, protocol, model string, t *probe.Traffic)
	WriteTable(io.Writer) error
	WriteHTML(io.Writer) error
	Evidence(evidence.Subject, string, time.Time) (evidence.Record, error)
}

var (
	_ probeReport = (*probe.RobustnessReport)(nil)
	_ probeReport = (*probe.ExplainReport)(nil)
)

// finishProbe prints a report (complete or partial), then, for a complete
// one, writes its evidence; probeErr is the probe's own error, if any.
func finishProbe(cmd *cobra.Command, ep *endpointFlags, cl *modelclient.Client, out *outputFlags, ev *modelRef, rep probeReport, probeErr error) error {
	rep.Served(ep.endpoint, ep.protocol, ep.served, ep.traffic(cl))
	if err := out.write(cmd.OutOrStdout(), rep.WriteTable, rep.WriteHTML, rep); err != nil {
		return withCode(ExitUsage, err)
	}
	if probeErr != nil {
		return wordProbeErr(probeErr)
	}
	if !ev.enabled() {
		return nil
	}
	if err := writeProbeEvidence(cmd.Context(), ev, rep.Evidence); err != nil {
		return withCode(ExitUsage, err)
	}
	return nil
}

// wordProbeErr words a failed probe for the user; a partial report has been
// printed already.
func wordProbeErr(err error) error {
	var nd *probe.NondeterministicError
	switch {
	case errors.As(err, &nd):
		return withCode(ExitUsage, err)
	case errors.Is(err, modelclient.ErrUnavailable):
		return withCode(ExitUsage, fmt.Errorf("%w\nIs the model server running at --endpoint?", err))
	case errors.Is(err, modelclient.ErrTimeout):
		return withCode(ExitUsage, fmt.Errorf("%w\nRaise --timeout, lower --batch, or check the server's load", err))
	case errors.Is(err, modelclient.ErrRejected):
		return withCode(ExitUsage, fmt.Errorf("%w\nCheck --protocol, --served-model and the columns the model takes (--features)", err))
	case errors.Is(err, modelclient.ErrShape), errors.Is(err, modelclient.ErrMalformed):
		return withCode(ExitUsage, fmt.Errorf("%w\nCheck --protocol, or name the outputs with --label-output / --scores-output", err))
	case errors.Is(err, modelclient.ErrBudget):
		return withCode(ExitUsage, fmt.Errorf("%w\nRaise --max-queries, or probe fewer --rows", err))
	}
	return withCode(ExitUsage, err)
}

// bar is the progress bar of a probe (nil off a terminal).
func bar(stderr io.Writer, noProgress bool) *progress.Bar {
	if noProgress {
		return nil
	}
	if f, ok := stderr.(*os.File); ok {
		return progress.ForTerminalCount(f, "probing", "inputs")
	}
	return nil
}
