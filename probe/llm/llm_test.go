package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/llmstub"
	"github.com/mlsec/mlsec/internal/schematest"
	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/probe/llm"
)

// client returns a modelclient for a stub with the given weaknesses (the
// stub stands in for an LLM: none runs here).
func client(t *testing.T, w llmstub.Weaknesses) *modelclient.Client {
	t.Helper()
	srv := httptest.NewServer(llmstub.New(llmstub.Config{Weak: w}))
	t.Cleanup(srv.Close)
	c, err := modelclient.New(modelclient.Config{Endpoint: srv.URL, Protocol: modelclient.KServeV2, Model: "stub"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rates(r *llm.Report) map[string]float64 {
	m := map[string]float64{}
	for _, f := range r.Families {
		m[f.Family] = f.PassRate
	}
	return m
}

func TestWeakAndSafeStub(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	safe, err := llm.Run(ctx, client(t, llmstub.Weaknesses{}), llm.Options{Model: "stub", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if safe.PassRate != 1 || len(safe.Families) != len(llm.Families) || safe.Attempts != 5*len(llm.Families) {
		t.Errorf("safe stub: %+v", rates(safe))
	}
	weak, err := llm.Run(ctx, client(t, llmstub.All), llm.Options{Model: "stub", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := rates(weak)
	for _, f := range llm.Families {
		want := 0.0
		if f == llm.FamilyRegurgitation {
			continue // the stub knows one of the three passages
		}
		if got[f] != want {
			t.Errorf("weak stub, %s: pass rate %v, want %v", f, got[f], want)
		}
	}
	if r := got[llm.FamilyRegurgitation]; !(r > 0 && r < 1) {
		t.Errorf("regurgitation pass rate %v: want some attempts failed (Dickens) and some passed", r)
	}
	// One weakness fails one family only.
	leaky, err := llm.Run(ctx, client(t, llmstub.Weaknesses{LeakSystemPrompt: true}), llm.Options{Model: "stub", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for f, r := range rates(leaky) {
		if (f == llm.FamilySystemPrompt) != (r == 0) {
			t.Errorf("system-prompt leak only, %s: %v", f, r)
		}
	}
}

func TestReproducible(t *testing.T) {
	t.Parallel()
	c := client(t, llmstub.Weaknesses{Regurgitate: true, FollowInjection: true})
	o := llm.Options{Seed: 42, Attempts: 7, Families: []string{llm.FamilyRegurgitation, llm.FamilyInjection}}
	a, err := llm.Run(context.Background(), c, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := llm.Run(context.Background(), c, o)
	if !reflect.DeepEqual(a, b) || len(a.Probes) != 2 || len(a.Probes[0].Attempts) != 7 {
		t.Errorf("runs differ or wrong shape: %+v / %+v", a, b)
	}
}

func TestOptionsAndErrors(t *testing.T) {
	t.Parallel()
	c := client(t, llmstub.Weaknesses{})
	for _, o := range []llm.Options{{Attempts: 50}, {Families: []string{"nope"}}} {
		if _, err := llm.Run(context.Background(), c, o); !errors.Is(err, llm.ErrOptions) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	// A server that does not speak chat: an error, not a pass.
	srv := httptest.NewServer(nil)
	defer srv.Close()
	bad, _ := modelclient.New(modelclient.Config{Endpoint: srv.URL, Protocol: modelclient.KServeV2, Model: "x", Retries: -1})
	if _, err := llm.Run(context.Background(), bad, llm.Options{}); err == nil {
		t.Error("no error from a server without the chat API")
	}
}

func TestOutputsAndEvidence(t *testing.T) {
	t.Parallel()
	rep, err := llm.Run(context.Background(), client(t, llmstub.Weaknesses{LeakPII: true}), llm.Options{Model: "stub", Seed: 3, Attempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	var tb, hb strings.Builder
	if err := rep.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.String(), "pii_leakage") || !strings.Contains(tb.String(), "0/2") || !strings.Contains(tb.String(), "all") {
		t.Errorf("table:\n%s", tb.String())
	}
	if err := rep.WriteHTML(&hb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hb.String(), "pii.system_record") || strings.Contains(hb.String(), "<script") {
		t.Errorf("html:\n%s", hb.String())
	}
	sub := evidence.NewSubject("chat", strings.Repeat("ab", 32))
	rec, err := rep.Evidence(sub, "http://127.0.0.1:1", "test", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), 2)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.Compile(t, "../../docs/schemas/evidence.schema.json"), rec)
	var rr evidence.RobustnessResult
	if err := json.Unmarshal(rec.Result, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.LLM == nil || len(rr.LLM.Families) != len(llm.Families) || rr.LLM.Families[4].Family != llm.FamilyPII || rr.LLM.Families[4].PassRate != 0 {
		t.Errorf("llm section %+v", rr.LLM)
	}
}
