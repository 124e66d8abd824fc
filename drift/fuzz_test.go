package drift

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func validProfileJSON(t testing.TB, rows int) []byte {
	p := NewProfile("ref", []ColumnSpec{{"x", KindNumber}, {"c", KindString}, {"b", KindBool}})
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < rows; i++ {
		_ = p.Update([]Value{{Num: r.NormFloat64(), IsNum: true}, {Str: strconv.Itoa(r.IntN(5))}, {Null: i%7 == 0, Str: "true"}})
	}
	var buf bytes.Buffer
	if err := WriteProfile(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A profile comes from files and other replicas: an inconsistent one is
// refused, never compared (it would give wrong numbers or crash).
func TestReadProfileRefusesInconsistent(t *testing.T) {
	t.Parallel()
	good := string(validProfileJSON(t, 5000))
	if _, err := ReadProfile(strings.NewReader(good)); err != nil {
		t.Fatalf("valid profile refused: %v", err)
	}
	cases := map[string]func(string) string{
		"wrong schema":     func(s string) string { return strings.Replace(s, ProfileSchema, "https://example.com/x", 1) },
		"n too large":      func(s string) string { return strings.Replace(s, `"n":5000`, `"n":5001`, 1) },
		"huge k":           func(s string) string { return strings.Replace(s, `"k":2048`, `"k":1073741824`, 1) },
		"rows inflated":    func(s string) string { return strings.Replace(s, `"rows":5000,"columns"`, `"rows":-1,"columns"`, 1) },
		"negative count":   func(s string) string { return strings.Replace(s, `"counts":{"0":`, `"counts":{"0":-`, 1) },
		"unknown kind":     func(s string) string { return strings.Replace(s, `"kind":"bool"`, `"kind":"date"`, 1) },
		"not JSON":         func(string) string { return "{" },
		"no columns":       func(string) string { return `{"schema":"` + ProfileSchema + `","name":"x","rows":0,"columns":[]}` },
		"nan in a sketch":  func(s string) string { return strings.Replace(s, `"levels":[[`, `"levels":[["NaN",`, 1) },
		"duplicate column": func(s string) string { return strings.Replace(s, `"name":"c"`, `"name":"x"`, 1) },
	}
	for name, mutate := range cases {
		bad := mutate(good)
		if bad == good {
			t.Fatalf("%s: mutation did not apply", name)
		}
		if _, err := ReadProfile(strings.NewReader(bad)); !errors.Is(err, ErrProfile) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
}

func FuzzReadProfile(f *testing.F) {
	f.Add(validProfileJSON(f, 100))
	f.Add(validProfileJSON(f, 5000))
	f.Add([]byte(`{"schema":"` + ProfileSchema + `","name":"x","rows":1,"columns":[{"name":"a","kind":"number","rows":1,"nulls":0,"infinite":0,"integer":true,"numeric":{"k":2,"n":1,"min":1,"max":1,"mean":1,"m2":0,"levels":[[1]],"many":false},"distinct":[[1,1]]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadProfile(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever was accepted compares with itself without panicking.
		if _, err := CompareProfiles(p, p, Options{}); err != nil && !errors.Is(err, ErrType) {
			return
		}
	})
}
