package pii_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/pii"
)

func TestSelector(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"id": 7, "request": {"prompt": "mail ana@example.com", "user": "bob@example.com"},
		"messages": [{"role": "user", "content": "call +44 20 7946 0958"}, {"role": "assistant", "content": "ok"}],
		"n": 4111111111111111}`)
	cases := []struct {
		paths  []string
		fields []string
	}{
		{nil, []string{"request.prompt", "request.user", "messages[0].content", "n"}},
		{[]string{"request.prompt"}, []string{"request.prompt"}},
		{[]string{"messages[*].content"}, []string{"messages[0].content"}},
		{[]string{"messages[1].content,request.*"}, []string{"request.prompt", "request.user"}},
		{[]string{"nothing.here"}, nil},
	}
	for _, c := range cases {
		sel, err := pii.ParseSelector(c.paths...)
		if err != nil {
			t.Fatal(err)
		}
		res, err := defaultAnalyzer.AnalyzeJSON(doc, sel)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, s := range res.Spans {
			fields = append(fields, s.Field)
		}
		if strings.Join(fields, " ") != strings.Join(c.fields, " ") {
			t.Errorf("%v: fields %v, want %v", c.paths, fields, c.fields)
		}
		if string(res.ID) != "7" {
			t.Errorf("id %s", res.ID)
		}
	}
	for _, bad := range []string{"a..b", "a[", "a[x]", ".a", "a[-1]"} {
		if _, err := pii.ParseSelector(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestRedactJSONPreservesLayout: only redacted values change; keys, order,
// spacing, escapes elsewhere and other values stay byte for byte.
func TestRedactJSONPreservesLayout(t *testing.T) {
	t.Parallel()
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	in := "{ \"z\":1,\n  \"a\" : \"keep \\u00e9 \\\"this\\\"\",\t\"email\":\"ana@example.com\",\"list\":[true,null,-1.5e3,\"see \\u0041na@example.com\"], \"card\": 4111111111111111 }"
	out, res, err := r.RedactJSON([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "{ \"z\":1,\n  \"a\" : \"keep \\u00e9 \\\"this\\\"\",\t\"email\":\"<EMAIL_ADDRESS>\",\"list\":[true,null,-1.5e3,\"see <EMAIL_ADDRESS>\"], \"card\": \"<CREDIT_CARD>\" }"
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if !json.Valid(out) || len(res.Spans) != 3 {
		t.Errorf("valid %v, spans %+v", json.Valid(out), res.Spans)
	}
	// The span offsets are into the decoded value: "see Ana@..." starts at 4.
	if s := res.Spans[1]; s.Field != "list[3]" || s.Start != 4 || s.End != 19 {
		t.Errorf("span %+v", s)
	}
}

func TestJSONErrors(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		``, `{`, `{"a"}`, `{"a":}`, `[1,]`, `{"a":1}x`, `"\x"`, "\"a\nb\"", `01`, `1.`, `-`, `tru`, `{"a":"\ud800"`, `[` + strings.Repeat("[", pii.MaxJSONDepth+5),
	} {
		if _, err := defaultAnalyzer.AnalyzeJSON([]byte(doc), nil); !errors.Is(err, pii.ErrJSON) {
			t.Errorf("%q: %v", doc, err)
		}
	}
	// Lone surrogates decode to U+FFFD, as encoding/json does.
	res, err := defaultAnalyzer.AnalyzeJSON([]byte(`{"a":"\ud800 mail x@example.com"}`), nil)
	if err != nil || len(res.Spans) != 1 || res.Spans[0].Start != 7 {
		t.Errorf("surrogate: %+v %v", res, err)
	}
}

func TestFileFormats(t *testing.T) {
	t.Parallel()
	r, _ := pii.NewRedactor(defaultAnalyzer, nil, nil)
	cases := []struct {
		name, in, out string
		ids           []string
		errs          int
	}{
		{"a.jsonl", "{\"id\":\"r1\",\"t\":\"ana@example.com\"}\n\n{\"t\":\"none\"}\n{\"t\":\"x@example.com\" broken\r\n",
			"{\"id\":\"r1\",\"t\":\"<EMAIL_ADDRESS>\"}\n\n{\"t\":\"none\"}\n{\"t\":\"<EMAIL_ADDRESS>\" broken\r\n", []string{`"r1"`, "3", "4"}, 1},
		{"a.json", "[ {\"t\":\"ana@example.com\"},\n {\"id\": 9, \"t\":\"no\"} ]", "[ {\"t\":\"<EMAIL_ADDRESS>\"},\n {\"id\": 9, \"t\":\"no\"} ]", []string{"1", "9"}, 0},
		{"b.json", "{\"t\":\"ana@example.com\"}", "{\"t\":\"<EMAIL_ADDRESS>\"}", []string{"1"}, 0},
		{"c.txt", "mail ana@example.com\nbye", "mail <EMAIL_ADDRESS>\nbye", []string{"1"}, 0},
	}
	for _, c := range cases {
		f := pii.DetectFormat(c.name, []byte(c.in))
		var out bytes.Buffer
		var ids []string
		errs := 0
		err := r.RedactFile(strings.NewReader(c.in), &out, f, nil, func(rec pii.Record) error {
			ids = append(ids, string(rec.ID))
			if rec.Error != "" {
				errs++
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if out.String() != c.out || strings.Join(ids, ",") != strings.Join(c.ids, ",") || errs != c.errs {
			t.Errorf("%s (%v): got %q ids %v errs %d", c.name, f, out.String(), ids, errs)
		}
	}
	if f := pii.DetectFormat("x.log", []byte("{\"a\":1}\n{\"a\":2}\n")); f != pii.FormatJSONLines {
		t.Errorf("detected %v", f)
	}
	if f := pii.DetectFormat("x.log", []byte("hello")); f != pii.FormatText {
		t.Errorf("detected %v", f)
	}
}

func TestReportJSONShape(t *testing.T) {
	t.Parallel()
	rep := pii.NewReport()
	err := defaultAnalyzer.ScanFile(strings.NewReader(`{"id":"a1","request":{"prompt":"mail ana@example.com"}}`+"\n"), pii.FormatJSONLines, nil, func(r pii.Record) error {
		rep.Records = append(rep.Records, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	want := `{
  "offset_unit": "codepoint",
  "records": [
    {
      "id": "a1",
      "spans": [
        {
          "field": "request.prompt",
          "start": 5,
          "end": 20,
          "entity_type": "EMAIL_ADDRESS",
          "score": 1
        }
      ]
    }
  ]
}
`
	if buf.String() != want {
		t.Errorf("got\n%s", buf.String())
	}
}

// TestRedactJSONKeepsNothingOfTheDocument: RedactJSON reads keys and values
// as views of the document (no copies); what it returns must not share
// the document's memory, so a caller that reuses its buffer (the gateway
// reads every body into one) cannot change a result it already holds.
func TestRedactJSONKeepsNothingOfTheDocument(t *testing.T) {
	t.Parallel()
	a, err := pii.New()
	if err != nil {
		t.Fatal(err)
	}
	r, err := pii.NewRedactor(a, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"user": {"email": "ana@example.com", "card": 4111111111111111, "note": "keep me"},
		"phone": "+44 20 7946 0958", "n": 5.1, "esc\u00e9": "bob@example.com"}`)
	out, res, err := r.RedactJSON(doc, nil)
	if err != nil || len(res.Spans) != 4 {
		t.Fatalf("err %v, %d spans", err, len(res.Spans))
	}
	wantOut := string(out)
	var fields []string
	for _, s := range res.Spans {
		fields = append(fields, s.Field)
	}
	wantFields := strings.Join(fields, ",")
	for i := range doc {
		doc[i] = 'X'
	}
	fields = fields[:0]
	for _, s := range res.Spans {
		fields = append(fields, s.Field)
	}
	if string(out) != wantOut || strings.Join(fields, ",") != wantFields {
		t.Fatalf("the result changed with the document:\n%s\n%s\nfields %v, want %s", out, wantOut, fields, wantFields)
	}
	if !strings.Contains(wantOut, `"note": "keep me"`) || !strings.Contains(wantFields, "user.email") {
		t.Fatalf("unexpected result %s (fields %s)", wantOut, wantFields)
	}
}
