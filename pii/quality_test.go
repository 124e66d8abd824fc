package pii_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/mlsec/mlsec/pii"
	"github.com/mlsec/mlsec/pii/internal/eval"
	"github.com/mlsec/mlsec/pii/internal/loggen"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	presidioPath   = "testdata/presidio/synth_dataset_v2.json"
	logsPath       = "testdata/logs/inference.jsonl"
	logLabelsPath  = "testdata/logs/inference.labels.jsonl"
	logSeed        = 17
	logRecords     = 1500
	qualityGolden  = "testdata/quality.golden.json"
	goldenTolerant = 1e-9
)

func presidioResult(t testing.TB, a *pii.Analyzer) (eval.Result, []eval.Text, [][]eval.Label) {
	t.Helper()
	texts, err := eval.LoadPresidio(presidioPath)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]eval.Record, len(texts))
	preds := make([][]eval.Label, len(texts))
	for i, tx := range texts {
		recs[i].Gold = tx.Gold
		for _, s := range a.Analyze(tx.Text) {
			recs[i].Pred = append(recs[i].Pred, eval.Label{Field: eval.PresidioField, Start: s.Start, End: s.End, Entity: eval.PresidioPrediction(string(s.Entity))})
		}
		preds[i] = recs[i].Pred
	}
	return eval.Score(recs), texts, preds
}

// logNames are the people's names of the generated set: the two-word PERSON
// spans of the presidio set, a source independent of the recognizer's list.
func logNames(t testing.TB) [][2]string {
	t.Helper()
	texts, err := eval.LoadPresidio(presidioPath)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out [][2]string
	for _, tx := range texts {
		r := []rune(tx.Text)
		for _, g := range tx.Gold {
			if g.Entity != "PERSON" {
				continue
			}
			f := strings.Fields(string(r[g.Start:g.End]))
			if len(f) != 2 || seen[f[0]+" "+f[1]] || !unicode.IsUpper([]rune(f[0])[0]) || !unicode.IsUpper([]rune(f[1])[0]) || strings.ContainsAny(f[0]+f[1], ".'") {
				continue
			}
			seen[f[0]+" "+f[1]] = true
			out = append(out, [2]string{f[0], f[1]})
		}
	}
	return out
}

// generatedLogs regenerates the inference-log set and checks it against the
// committed files (rewritten with -update).
func generatedLogs(t testing.TB) (records, labels []byte) {
	t.Helper()
	records, labels = loggen.Generate(logSeed, logRecords, logNames(t))
	if *update {
		if err := os.MkdirAll("testdata/logs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(logsPath, records, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(logLabelsPath, labels, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string][]byte{logsPath: records, logLabelsPath: labels} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs from what the generator makes with seed %d: run with -update and review the diff", path, logSeed)
		}
	}
	return records, labels
}

func logsResult(t testing.TB, a *pii.Analyzer) (eval.Result, []string, []eval.Record) {
	t.Helper()
	records, labels := generatedLogs(t)
	sel, err := pii.ParseSelector(loggen.Fields...)
	if err != nil {
		t.Fatal(err)
	}
	var recs []eval.Record
	var lines []string
	rs, ls := bufio.NewScanner(bytes.NewReader(records)), bufio.NewScanner(bytes.NewReader(labels))
	rs.Buffer(nil, 1<<20)
	ls.Buffer(nil, 1<<20)
	for rs.Scan() && ls.Scan() {
		var lab loggen.Labels
		if err := json.Unmarshal(ls.Bytes(), &lab); err != nil {
			t.Fatal(err)
		}
		res, err := a.AnalyzeJSON(rs.Bytes(), sel)
		if err != nil {
			t.Fatal(err)
		}
		var rec eval.Record
		for _, l := range lab.Spans {
			rec.Gold = append(rec.Gold, eval.Label(l))
		}
		for _, l := range lab.Decoys {
			rec.Decoys = append(rec.Decoys, eval.Label(l))
		}
		for _, s := range res.Spans {
			rec.Pred = append(rec.Pred, eval.Label{Field: s.Field, Start: s.Start, End: s.End, Entity: string(s.Entity)})
		}
		recs = append(recs, rec)
		lines = append(lines, rs.Text())
	}
	return eval.Score(recs), lines, recs
}

// quality is what the golden file pins per data set: recall and precision
// per entity type under both matchings, and the decoy hits.
type quality struct {
	Entities  map[string]entityQuality `json:"entities"`
	DecoyHits int                      `json:"decoy_hits"`
	Decoys    int                      `json:"decoys"`
}

type entityQuality struct {
	Gold             int     `json:"gold"`
	Pred             int     `json:"pred"`
	ExactPrecision   float64 `json:"exact_precision"`
	ExactRecall      float64 `json:"exact_recall"`
	ExactF2          float64 `json:"exact_f2"`
	OverlapPrecision float64 `json:"overlap_precision"`
	OverlapRecall    float64 `json:"overlap_recall"`
	OverlapF2        float64 `json:"overlap_f2"`
}

func summarize(r eval.Result) quality {
	q := quality{Entities: map[string]entityQuality{}, Decoys: r.Decoys}
	r3 := func(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
	for _, e := range r.Entities() {
		x, o := r.Exact[e], r.Overlap[e]
		q.Entities[e] = entityQuality{
			Gold: o.Gold, Pred: o.Pred,
			ExactPrecision: r3(x.Precision()), ExactRecall: r3(x.Recall()), ExactF2: r3(x.F2()),
			OverlapPrecision: r3(o.Precision()), OverlapRecall: r3(o.Recall()), OverlapF2: r3(o.F2()),
		}
	}
	for _, n := range r.DecoyHits {
		q.DecoyHits += n
	}
	return q
}

// goals are the recall floors on the generated inference logs
// (overlap matching).
var goals = map[string]float64{
	"CREDIT_CARD": 0.98, "IBAN_CODE": 0.98, "US_SSN": 0.98, "IP_ADDRESS": 0.98, "EMAIL_ADDRESS": 0.98,
	"PHONE_NUMBER": 0.9, "DATE_OF_BIRTH": 0.9, "STREET_ADDRESS": 0.9, "SECRET": 0.9,
}

// TestQuality pins the measured quality: it fails when a recall or
// precision falls below the committed figures (testdata/quality.golden.json,
// rewritten with -update), when a goal is missed, or when a decoy is hit.
// bench/pii.sh prints the same tables.
func TestQuality(t *testing.T) {
	a, err := pii.New()
	if err != nil {
		t.Fatal(err)
	}
	pres, _, _ := presidioResult(t, a)
	logs, _, _ := logsResult(t, a)
	got := map[string]quality{"presidio_synth_v2": summarize(pres), "inference_logs": summarize(logs)}
	if testing.Verbose() {
		pres.WriteTable(os.Stdout, "presidio-research synth_dataset_v2 (1,500 texts)")
		fmt.Println()
		logs.WriteTable(os.Stdout, fmt.Sprintf("generated inference logs (%d records, seed %d)", logRecords, logSeed))
	}
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(qualityGolden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(qualityGolden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	var want map[string]quality
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for set, w := range want {
		g := got[set]
		for e, we := range w.Entities {
			ge := g.Entities[e]
			for _, m := range []struct {
				name      string
				got, want float64
			}{
				{"exact recall", ge.ExactRecall, we.ExactRecall}, {"overlap recall", ge.OverlapRecall, we.OverlapRecall},
				{"exact precision", ge.ExactPrecision, we.ExactPrecision}, {"overlap precision", ge.OverlapPrecision, we.OverlapPrecision},
			} {
				if m.got < m.want-goldenTolerant {
					t.Errorf("%s %s: %s fell to %.3f from %.3f", set, e, m.name, m.got, m.want)
				}
			}
		}
		if g.DecoyHits > w.DecoyHits {
			t.Errorf("%s: %d decoy hits, %d committed", set, g.DecoyHits, w.DecoyHits)
		}
	}
	for e, floor := range goals {
		if r := got["inference_logs"].Entities[e].OverlapRecall; r < floor {
			t.Errorf("inference logs %s: recall %.3f below the goal %.2f", e, r, floor)
		}
	}
	if n := got["inference_logs"].DecoyHits; n != 0 {
		t.Errorf("inference logs: %d decoy hits, want 0", n)
	}
}

// TestQualityDebug prints the misses and false positives of one entity type:
// PII_DEBUG=PHONE_NUMBER [PII_SET=logs] go test ./pii -run QualityDebug -v
func TestQualityDebug(t *testing.T) {
	ent := os.Getenv("PII_DEBUG")
	if ent == "" {
		t.Skip("set PII_DEBUG to an entity type")
	}
	a, _ := pii.New()
	sub := func(s string, a, b int) string { r := []rune(s); return string(r[a:b]) }
	var texts []string
	var recs []eval.Record
	if os.Getenv("PII_SET") == "logs" {
		var lines []string
		_, lines, recs = logsResult(t, a)
		texts = append(texts, lines...)
	} else {
		_, tx, preds := presidioResult(t, a)
		for i, x := range tx {
			texts = append(texts, x.Text)
			recs = append(recs, eval.Record{Gold: x.Gold, Pred: preds[i]})
		}
	}
	fieldText := func(i int, field string) string {
		if field == eval.PresidioField {
			return texts[i]
		}
		var m struct {
			Request  struct{ Prompt string }
			Response struct{ Output string }
		}
		_ = json.Unmarshal([]byte(texts[i]), &m)
		if field == "request.prompt" {
			return m.Request.Prompt
		}
		return m.Response.Output
	}
	for i, r := range recs {
		for _, g := range r.Gold {
			if g.Entity != ent {
				continue
			}
			hit := false
			for _, p := range r.Pred {
				hit = hit || p.Entity == ent && p.Field == g.Field && p.Start < g.End && g.Start < p.End
			}
			if !hit {
				tx := fieldText(i, g.Field)
				t.Logf("FN %q in %q", sub(tx, g.Start, g.End), tx)
			}
		}
		for _, p := range r.Pred {
			if p.Entity != ent {
				continue
			}
			hit := false
			for _, g := range r.Gold {
				hit = hit || p.Entity == g.Entity && p.Field == g.Field && p.Start < g.End && g.Start < p.End
			}
			if !hit {
				tx := fieldText(i, p.Field)
				t.Logf("FP %q in %q", sub(tx, p.Start, p.End), tx)
			}
		}
	}
}
