package table

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Format is a table file format.
type Format string

// The formats the reader understands.
const (
	CSV     Format = "csv"
	JSONL   Format = "jsonl"
	Parquet Format = "parquet"
)

// Kind is the type of a column's values.
type Kind int

// Column kinds. KindUnknown in Options.Types means "infer".
const (
	KindUnknown Kind = iota
	KindNumber
	KindString
	KindBool
)

func (k Kind) String() string {
	switch k {
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	case KindBool:
		return "bool"
	}
	return "unknown"
}

// ParseKind reads a kind as written in a --type COL=KIND flag.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "number", "num", "float", "int":
		return KindNumber, nil
	case "string", "str", "category", "categorical":
		return KindString, nil
	case "bool", "boolean":
		return KindBool, nil
	}
	return KindUnknown, fmt.Errorf("unknown column type %q: use number, string or bool", s)
}

// Options control how a table is read. The zero value reads every column of
// a file whose format is detected, inferring every type.
type Options struct {
	// Format is the file format; "" detects it (DetectFormat).
	Format Format
	// Columns are the columns to read, in this order; nil reads all. A name
	// the file does not have is an ErrMissingColumn listing the ones it has.
	Columns []string
	// Types forces the kind of some columns; the others are inferred.
	Types map[string]Kind
	// MaxFieldBytes bounds one field (CSV), one JSON value or one Parquet
	// value; 0 means 1 MiB. A longer one is ErrFieldTooLarge.
	MaxFieldBytes int
	// MaxRows stops after this many data rows; 0 reads them all.
	MaxRows int64

	// Delimiter separates CSV fields; 0 means ',' (a tab for .tsv files).
	Delimiter byte
	// TrimLeadingSpace drops spaces and tabs at the start of every CSV
	// field, for files written with ", " between fields (UCI Adult).
	TrimLeadingSpace bool
	// NullValues are CSV field texts read as null besides the empty field,
	// for example "?" or "NA". PandasNullValues lists pandas' defaults.
	NullValues []string
	// ReuseRow lets Next return the same Cells slice every time (its Raw
	// strings are still new), as encoding/csv's ReuseRecord does: faster
	// for callers that do not keep rows past the next call.
	ReuseRow bool
	// Workers bounds the goroutines that parse one large CSV file at once
	// (ReadFrame, ReadChunks); 0 means GOMAXPROCS. A caller reading two
	// files at once gives each half the cores: the same speed, half the
	// chunks in flight.
	Workers int
	// MaxRecordBytes bounds one CSV record or one JSON line; 0 means
	// 16 MiB or 4×MaxFieldBytes, whichever is larger. Beyond it the input
	// is ErrFieldTooLarge.
	MaxRecordBytes int
}

// PandasNullValues are the texts pandas.read_csv reads as NaN by default
// (besides the empty field); pass them as Options.NullValues to count
// missing values exactly as pandas does.
var PandasNullValues = []string{
	"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
	"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
}

const (
	defaultMaxField  = 1 << 20
	defaultMaxRecord = 16 << 20
	// maxColumns bounds the header, so a hostile first line cannot make us
	// allocate per-column state without limit.
	maxColumns = 1 << 17
)

func (o *Options) maxField() int {
	if o.MaxFieldBytes > 0 {
		return o.MaxFieldBytes
	}
	return defaultMaxField
}

func (o *Options) maxRecord() int {
	if o.MaxRecordBytes > 0 {
		return min(o.MaxRecordBytes, 1<<30) // spans are int32
	}
	return min(max(defaultMaxRecord, 4*o.maxField()), 1<<30)
}

// Row is one record of the selected columns.
type Row struct {
	// Line is the 1-based line where the record starts (CSV, JSON Lines), or
	// the 1-based row number (Parquet).
	Line int64
	// Cells has one cell per selected column, in Columns() order.
	Cells []Cell
}

// Cell is one value.
type Cell struct {
	// Raw is the text as written: a CSV field after unquoting, a JSON string
	// decoded, a JSON number or bool as its literal, a Parquet value
	// formatted (dates as 2006-01-02, timestamps in RFC 3339, UTC). "" when
	// Null.
	Raw string
	// Null is an empty CSV field (or one of Options.NullValues), a JSON null
	// or absent key, or a Parquet null.
	Null bool
	// Num is the value when IsNum.
	Num float64
	// IsNum: the text parses as a number (strconv.ParseFloat syntax, so
	// "nan" and "inf" count), or the value is a JSON number or a Parquet
	// numeric. JSON and Parquet strings are never numbers unless the column
	// is forced to KindNumber.
	IsNum bool
	// Int: IsNum and written as an integer literal (digits with an optional
	// sign; no '.', no exponent), or a Parquet integer: pandas would read
	// int64.
	Int bool
	// IsBool: a JSON or Parquet bool, or a CSV field true/True/TRUE or
	// false/False/FALSE (the spellings pandas reads as bool). Bool is its value.
	IsBool bool
	Bool   bool
}

// Error is a bad-input error: it names the file and, where known, the line
// (or Parquet row) and the column.
type Error struct {
	File   string
	Line   int64
	Column string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(e.Line, 10))
	}
	if e.Column != "" {
		b.WriteString(": column ")
		b.WriteString(strconv.Quote(e.Column))
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Kinds of bad input, matched with errors.Is.
var (
	ErrEmpty           = errors.New("empty table")
	ErrRagged          = errors.New("ragged row")
	ErrUTF8            = errors.New("invalid UTF-8")
	ErrFieldTooLarge   = errors.New("field too large")
	ErrMissingColumn   = errors.New("no such column")
	ErrCorrupt         = errors.New("corrupt file")
	ErrFormat          = errors.New("malformed input")
	ErrType            = errors.New("value does not match the column type")
	ErrDuplicateColumn = errors.New("duplicate column name")
)

// wrapf wraps a sentinel with detail: "ragged row: 14 fields, header has 15".
func wrapf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
