package table

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func nums(c *Column) []string {
	var out []string
	for _, v := range c.Num {
		if math.IsNaN(v) {
			out = append(out, "NaN")
		} else {
			out = append(out, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	return out
}

func codes(c *Column) []string {
	var out []string
	for _, k := range c.Codes {
		if k == NullCode {
			out = append(out, "<nil>")
		} else {
			out = append(out, c.Dict[k])
		}
	}
	return out
}

func TestReadFrameKinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "f.csv", strings.Join([]string{
		"int,float,str,mixed,flag,empty,lead,zip",
		"1,1.5,a,1.0,True,,,02134",
		"2,,b,2,False,,3,10001",
		",2.5,a,x,,,4,A1",
		"-4,nan,c,2,true,,,10001",
	}, "\n")+"\n")
	fr, err := ReadFrame(p, Options{Types: map[string]Kind{"zip": KindString}})
	if err != nil {
		t.Fatal(err)
	}
	if fr.Rows != 4 || fr.Name != p {
		t.Fatalf("rows %d name %q", fr.Rows, fr.Name)
	}
	type want struct {
		kind    Kind
		integer bool
		nulls   int
		values  []string
		dict    []string
		unique  int
	}
	cases := map[string]want{
		"int":   {KindNumber, true, 1, []string{"1", "2", "NaN", "-4"}, nil, 3},
		"float": {KindNumber, false, 2, []string{"1.5", "NaN", "2.5", "NaN"}, nil, 2},
		"str":   {KindString, false, 0, []string{"a", "b", "a", "c"}, []string{"a", "b", "c"}, 3},
		// Numbers then text: the column is text, its numbers as written.
		"mixed": {KindString, false, 0, []string{"1.0", "2", "x", "2"}, []string{"1.0", "2", "x"}, 3},
		"flag":  {KindBool, false, 1, []string{"true", "false", "<nil>", "true"}, []string{"true", "false"}, 2},
		"empty": {KindNumber, false, 4, []string{"NaN", "NaN", "NaN", "NaN"}, nil, 0},
		"lead":  {KindNumber, true, 2, []string{"NaN", "3", "4", "NaN"}, nil, 2},
		"zip":   {KindString, false, 0, []string{"02134", "10001", "A1", "10001"}, []string{"02134", "10001", "A1"}, 3},
	}
	for name, w := range cases {
		c, ok := fr.Column(name)
		if !ok {
			t.Fatalf("no column %s", name)
		}
		var got []string
		if w.kind == KindNumber {
			got = nums(c)
		} else {
			got = codes(c)
		}
		if c.Kind != w.kind || c.Integer != w.integer || c.Nulls != w.nulls || !reflect.DeepEqual(got, w.values) ||
			(w.kind != KindNumber && !reflect.DeepEqual(c.Dict, w.dict)) || c.Unique() != w.unique {
			t.Errorf("%s: kind %v integer %v nulls %d values %q dict %q unique %d; want %+v",
				name, c.Kind, c.Integer, c.Nulls, got, c.Dict, c.Unique(), w)
		}
	}
	if _, ok := fr.Column("nope"); ok {
		t.Error("Column(nope) found")
	}
}

func TestReadFrameFormatsAgree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "a.csv", "x,g,b\n1,u,true\n2.5,v,false\n,u,\n")
	jsonPath := writeFile(t, dir, "a.jsonl", `{"x":1,"g":"u","b":true}`+"\n"+`{"x":2.5,"g":"v","b":false}`+"\n"+`{"g":"u","b":null}`+"\n")
	for _, p := range []string{csvPath, jsonPath} {
		fr, err := ReadFrame(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		x, _ := fr.Column("x")
		g, _ := fr.Column("g")
		b, _ := fr.Column("b")
		if x.Kind != KindNumber || x.Integer || !reflect.DeepEqual(nums(x), []string{"1", "2.5", "NaN"}) ||
			g.Kind != KindString || !reflect.DeepEqual(codes(g), []string{"u", "v", "u"}) ||
			b.Kind != KindBool || !reflect.DeepEqual(codes(b), []string{"true", "false", "<nil>"}) || b.Nulls != 1 {
			t.Errorf("%s: x %v %q, g %v %q, b %v %q", p, x.Kind, nums(x), g.Kind, codes(g), b.Kind, codes(b))
		}
	}
}

func TestReadFrameParquet(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "p.parquet")
	writeParquet(t, p, pqRows(300))
	fr, err := ReadFrame(p, Options{Columns: []string{"score", "sex", "label", "id"}, MaxRows: 200})
	if err != nil {
		t.Fatal(err)
	}
	score, _ := fr.Column("score")
	sex, _ := fr.Column("sex")
	label, _ := fr.Column("label")
	id, _ := fr.Column("id")
	asText, err := ReadFrame(p, Options{Columns: []string{"id", "f32"}, Types: map[string]Kind{"id": KindString, "f32": KindString}, MaxRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c := asText.Columns[0]; c.Kind != KindString || !reflect.DeepEqual(c.Dict, []string{"0", "1", "2"}) {
		t.Errorf("id read as text: %v %q", c.Kind, c.Dict)
	}
	if c := asText.Columns[1]; !reflect.DeepEqual(c.Dict, []string{"0.5"}) {
		t.Errorf("f32 read as text: %q", c.Dict)
	}
	if fr.Rows != 200 || score.Kind != KindNumber || score.Nulls != 40 || sex.Kind != KindString || len(sex.Dict) != 2 ||
		label.Kind != KindBool || !id.Integer || id.Num[199] != 199 {
		t.Errorf("rows %d score %v/%d sex %v %q label %v id %v", fr.Rows, score.Kind, score.Nulls, sex.Kind, sex.Dict, label.Kind, id.Integer)
	}
}

func TestReadFrameErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		content string
		opt     Options
		want    error
		msg     string
	}{
		{"a,b\n", Options{}, ErrEmpty, "no data rows"},
		{"a,b\n1,2\n3\n", Options{}, ErrRagged, ":3:"},
		{"a\n1\nzz\n", Options{Types: map[string]Kind{"a": KindNumber}}, ErrType, `:3: column "a"`},
		{"a\ntrue\n2\n", Options{Types: map[string]Kind{"a": KindBool}}, ErrType, `"2" is not a bool`},
	}
	for i, c := range cases {
		p := writeFile(t, dir, "e"+string(rune('0'+i))+".csv", c.content)
		_, err := ReadFrame(p, c.opt)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), p) {
			t.Errorf("case %d: %v, want %v containing %q", i, err, c.want, c.msg)
		}
	}
}

// TestReadFrameSizeHint checks that the column storage is sized from the
// file once, instead of growing by doubling (which would leave up to twice
// the memory the values need).
func TestReadFrameSizeHint(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 100000 {
		b.WriteString(strings.Repeat("1", 1+i%5))
		b.WriteString(",g")
		b.WriteString(string(rune('a' + i%3)))
		b.WriteString("\n")
	}
	p := writeFile(t, t.TempDir(), "h.csv", b.String())
	fr, err := ReadFrame(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := fr.Column("x")
	y, _ := fr.Column("y")
	if c := cap(x.Num); c < 100000 || c > 115000 {
		t.Errorf("cap(Num) = %d for 100000 rows", c)
	}
	if c := cap(y.Codes); c < 100000 || c > 115000 {
		t.Errorf("cap(Codes) = %d for 100000 rows", c)
	}
}
