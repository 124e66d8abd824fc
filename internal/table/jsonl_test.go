package table

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestJSONL(t *testing.T) {
	t.Parallel()
	in := "\xef\xbb\xbf{\"a\": 1, \"b\": \"x\", \"c\": true, \"d\": null}\n" +
		"\n" +
		"{\"b\": \"y\\\"z\\u00e9\", \"a\": 2.5e0, \"c\": false}\r\n" +
		`{"a": -0, "b": "3", "c": null, "d": {"nested": [1, {"x": "}"}]}}` + "\n"
	rd, err := NewReader(strings.NewReader(in), "j.jsonl", Options{Columns: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Line: 1, Cells: []Cell{{Raw: "1", Num: 1, IsNum: true, Int: true}, {Raw: "x"}, {Raw: "true", IsBool: true, Bool: true}}},
		{Line: 3, Cells: []Cell{{Raw: "2.5e0", Num: 2.5, IsNum: true}, {Raw: "y\"zé"}, {Raw: "false", IsBool: true}}},
		{Line: 4, Cells: []Cell{{Raw: "-0", Num: 0, IsNum: true, Int: true}, {Raw: "3"}, {Null: true}}},
	}
	for i, w := range want {
		got, err := rd.Next()
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
	if got := rd.Columns(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("columns %q", got)
	}
}

func TestJSONLAllColumnsAndSparseKeys(t *testing.T) {
	t.Parallel()
	cols, rows, _, err := readAll(t, "{\"a\":1,\"b\":2}\n{\"b\":3}\n", "s.jsonl", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cols, []string{"a", "b"}) || !reflect.DeepEqual(rows, [][]string{{"1", "2"}, {"<nil>", "3"}}) {
		t.Errorf("got %q %q", cols, rows)
	}
	// A key that appears only later is fine when named.
	_, rows, _, err = readAll(t, "{\"a\":1}\n{\"a\":2,\"late\":\"x\"}\n", "s.jsonl", Options{Columns: []string{"late"}})
	if err != nil || !reflect.DeepEqual(rows, [][]string{{"<nil>"}, {"x"}}) {
		t.Errorf("late key: %q, %v", rows, err)
	}
}

func TestJSONLBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		opt    Options
		want   error
		msg    string
		atOpen bool
	}{
		{"empty", "", Options{}, ErrEmpty, "j.jsonl: empty table: no JSON object", true},
		{"blank only", "\n  \n", Options{}, ErrEmpty, "no JSON object", true},
		{"invalid json first line", "{\"a\":1,}\n", Options{}, ErrFormat, "j.jsonl:1: malformed input: invalid JSON at byte", true},
		{"invalid json later", "{\"a\":1}\n{\"a\":2}\n{\"a\":\n", Options{}, ErrFormat, "j.jsonl:3: malformed input: invalid JSON", false},
		{"not an object", "{\"a\":1}\n[1,2]\n", Options{}, ErrFormat, "j.jsonl:2: malformed input: line is not a JSON object", false},
		{"nested object", "{\"a\":1,\"b\":{\"c\":2}}\n", Options{}, ErrType, `j.jsonl:1: column "b": value does not match the column type: value is an object; only scalar values`, false},
		{"nested array", "{\"a\":[1]}\n", Options{Columns: []string{"a"}}, ErrType, `j.jsonl:1: column "a": value does not match the column type: value is an array`, false},
		{"unknown key", "{\"a\":1}\n{\"a\":2,\"z\":3}\n", Options{}, ErrFormat, `j.jsonl:2: column "z": malformed input: key not in the first line's keys`, false},
		{"duplicate key first", "{\"a\":1,\"a\":2}\n", Options{}, ErrDuplicateColumn, `j.jsonl:1: column "a": duplicate column name`, true},
		{"duplicate key later", "{\"a\":1}\n{\"a\":1,\"a\":2}\n", Options{}, ErrDuplicateColumn, `j.jsonl:2: column "a"`, false},
		{"missing column", "{\"age\":1}\n{\"age\":2}\n", Options{Columns: []string{"agee"}}, ErrMissingColumn, `j.jsonl: column "agee": no such column: did you mean "age"?`, false},
		{"invalid utf8", "{\"a\":\"ok\"}\n{\"a\":\"\xff\"}\n", Options{}, ErrUTF8, `j.jsonl:2: column "a": invalid UTF-8`, false},
		{"huge value", "{\"a\":\"" + strings.Repeat("x", 100) + "\"}\n", Options{MaxFieldBytes: 50}, ErrFieldTooLarge, `j.jsonl:1: column "a": field too large`, false},
		{"huge line", "{\"a\":\"" + strings.Repeat("x", 200<<10) + "\"}\n", Options{MaxRecordBytes: 100 << 10}, ErrFieldTooLarge, "j.jsonl:1: field too large: line longer than", true},
		{"forced number", "{\"a\":\"x\"}\n", Options{Types: map[string]Kind{"a": KindNumber}}, ErrType, `"x" is not a number`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := NewReader(strings.NewReader(tc.in), "j.jsonl", tc.opt)
			if err == nil {
				if tc.atOpen {
					t.Fatal("Open succeeded, want an error")
				}
				for err == nil {
					_, err = rd.Next()
				}
			} else if !tc.atOpen {
				t.Fatalf("Open: %v", err)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), tc.msg)
			}
		})
	}
}

func TestJSONLForcedString(t *testing.T) {
	t.Parallel()
	rd, err := NewReader(strings.NewReader("{\"zip\":2134,\"f\":\"1.5\"}\n"), "f.jsonl",
		Options{Types: map[string]Kind{"zip": KindString, "f": KindNumber}})
	if err != nil {
		t.Fatal(err)
	}
	row, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if c := row.Cells[0]; c.IsNum || c.Raw != "2134" {
		t.Errorf("zip: %+v", c)
	}
	if c := row.Cells[1]; !c.IsNum || c.Num != 1.5 {
		t.Errorf("f: %+v", c)
	}
}
