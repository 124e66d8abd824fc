package policyeval_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/policyeval"
)

// fill sets every exported field of v (recursively) to a non-zero value,
// so a field the registry's copy lacks shows up as a JSON difference.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 3 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), depth+1)
	case reflect.String:
		v.SetString("x-" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	}
}

func TestVerdictKeepsEveryField(t *testing.T) {
	t.Parallel()
	var dec policy.Decision
	fill(reflect.ValueOf(&dec).Elem(), 0)
	got, err := policyeval.Verdict(&dec)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(dec)
	have, _ := json.Marshal(got)
	if string(want) != string(have) {
		t.Fatalf("registry.Evaluation loses part of policy.Decision:\n decision   %s\n evaluation %s", want, have)
	}
}

func TestInputIsThePolicyDocument(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))
	item := evidence.Item{Signed: true, FirstParty: true, Source: "registry evidence #1 by system"}
	in := policyeval.Input(registry.EvalInput{Model: "m", Digest: "ab", Action: registry.ActionPromote, Stage: registry.StageProduction,
		Actor: "alice", Time: at, Evidence: []evidence.Item{item},
		Exceptions: []registry.Waiver{{Rule: "R", Owner: "o", Expires: "2027-01-01", Reason: "why", Subject: "m", Digest: "ab", Source: "s"}},
		Production: &registry.Baseline{Version: 2, Digest: "cd", Evidence: []evidence.Item{}}, Profile: "strict"})
	want := policy.Input{Subject: policy.Subject{Name: "m", Digest: map[string]string{"sha256": "ab"}}, Evidence: []evidence.Item{item},
		Action: policy.Action{Name: "promote", Stage: "production"}, Actor: policy.Actor{Name: "alice", Kind: "user"},
		Context:    policy.Context{Environment: "registry", Time: "2026-03-01T11:00:00Z"},
		Exceptions: []policy.Exception{{Rule: "R", Owner: "o", Expires: "2027-01-01", Reason: "why", Subject: "m", Digest: "ab", Source: "s"}},
		Production: &policy.Baseline{Version: 2, Digest: "cd", Evidence: []evidence.Item{}}}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("input\n got  %+v\n want %+v", in, want)
	}
}

// A registry that names a profile the engine does not know must get an
// error, not the default profile's verdict.
func TestUnknownProfileFailsClosed(t *testing.T) {
	t.Parallel()
	ev, err := policyeval.New(t.Context(), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.DefaultProfile() != policy.DefaultProfile {
		t.Fatalf("default %q", ev.DefaultProfile())
	}
	_, err = ev.Evaluate(t.Context(), registry.EvalInput{Model: "m", Digest: "ab", Action: registry.ActionPromote, Profile: "lenient"})
	if !errors.Is(err, policy.ErrProfile) {
		t.Fatalf("unknown profile: %v, want ErrProfile", err)
	}
	if _, err := policyeval.New(t.Context(), policy.Options{Profile: "lenient"}); !errors.Is(err, policy.ErrProfile) {
		t.Fatalf("New with an unknown profile: %v", err)
	}
}

// The same evidence decides differently under baseline and strict: the
// documentation gaps of an unsigned-metadata model warn, then deny.
func TestProfileChoosesTheEngine(t *testing.T) {
	t.Parallel()
	ev, err := policyeval.New(t.Context(), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := registry.EvalInput{Model: "m", Digest: "ab", Action: registry.ActionPromote, Stage: registry.StageProduction, Actor: "a", Time: time.Now()}
	for _, p := range []string{"", "baseline", "strict"} {
		in.Profile = p
		d, err := ev.Evaluate(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		want := p
		if p == "" {
			want = "baseline"
		}
		if d.Profile != want {
			t.Errorf("profile %q decided as %q", p, d.Profile)
		}
	}
}
