// Package table is mlsec's one reader for tabular data: CSV (and TSV), JSON
// Lines and Parquet, each optionally gzip-compressed. The fairness, drift,
// probe and data-scan features read their inputs through it, so a table
// means the same thing, and bad input fails the same way, everywhere.
//
// Two ways in:
//
//   - Reader streams rows (Open or NewReader, then Next until io.EOF). It
//     holds one record (CSV, JSON Lines) or one page per selected column
//     (Parquet) at a time, so memory is bounded on any file size.
//   - ReadFrame loads selected columns into compact typed storage for
//     computation: 8 bytes per numeric cell ([]float64, NaN for null) and
//     4 bytes per string or bool cell ([]uint32 codes into a dictionary of
//     distinct values). Numeric fields are parsed straight from the input
//     buffer: no string is allocated per numeric cell. For an uncompressed
//     file the columns are sized once, from the file size and the first rows
//     (Parquet: from its row count), so they do not grow by doubling; a
//     compressed stream grows them as it goes.
//
// # Types
//
// A column is a number if every non-null value is one, a bool if every one
// is (JSON and Parquet bools; in CSV true/True/TRUE and false/False/FALSE,
// the spellings pandas reads as bool), otherwise a string. Options.Types
// forces a kind; a value that cannot be read as the forced kind is
// ErrType. A column whose early values look numeric and a later one does
// not is text, and ReadFrame re-reads its early values as written (a second
// pass over that column only), so "02134" stays "02134". JSON and Parquet
// values keep their own types: the JSON string "3" is a string. Integer
// literals are flagged (Cell.Int, Column.Integer) so callers can tell what
// pandas would read as int64. Only the empty CSV field is null by default;
// Options.NullValues adds markers ("?" in UCI Adult), and PandasNullValues
// lists pandas' defaults for exact parity. In a Frame a NaN is a null, as
// in pandas.
//
// # Formats
//
// CSV follows RFC 4180: a header line is required, fields may be quoted,
// quotes inside quoted fields are doubled, CRLF and LF both end records,
// quoted fields may hold newlines (Row.Line is the record's first line). A
// UTF-8 BOM is dropped; blank lines are skipped (as pandas and encoding/csv
// do); Options.TrimLeadingSpace drops the space after each delimiter (UCI
// Adult writes ", "). We are stricter than pandas where input is
// ambiguous: a quote inside an unquoted field, text after a closing quote, a
// quoted field still open at the end of the file, a record with more or
// fewer fields than the header, and a header that names a selected column
// twice are errors, not guesses.
//
// JSON Lines is one object per line (blank lines skipped). Without
// Options.Columns the columns are the first object's keys, and a later key
// outside them is an error (name the columns to read sparse keys); an
// absent key is null. A selected key whose value is an object or an array
// is ErrType naming the line and key: we do not flatten, because a flattened
// name could collide with a real dotted key and silently change what a
// column means. A selected key twice in one object is an error (JSON leaves its
// meaning open, and parsers disagree). Numbers keep their literal text.
//
// Parquet is read with github.com/parquet-go/parquet-go one row group, and
// within it one page per selected column, at a time. Top-level flat
// columns are read (booleans, integers, floats, strings, decimals exactly,
// dates, times and timestamps as text); a nested or repeated column (list,
// map, struct) is refused when selected. A file parquet-go cannot open,
// including a corrupt footer, is ErrCorrupt naming the file, and a panic
// inside parquet-go on hostile input is recovered as ErrCorrupt. parquet-go
// sizes its allocations from lengths in the file (a footer list can claim
// 2^31 elements, a page 2 GiB), and running out of memory is not
// recoverable in Go, so before parquet-go reads the footer or a column
// chunk we walk their Thrift encoding ourselves, checking every length
// against the bytes present and against limits: a footer of at most 64 MiB
// and 250,000 list elements, pages of at most 256 MiB uncompressed and 2^26
// values, each inside its column chunk. Files beyond those limits are
// refused as ErrCorrupt. A Parquet stream without random access (a
// .parquet.gz, stdin) is copied to a temporary file first, up to 8 GiB.
//
// # Errors
//
// Every bad input is an *Error naming the file and, where known, the line
// (Parquet: row) and column, and wrapping one of ErrEmpty (no header, or
// no data rows: Next and ReadFrame report it instead of a silent empty
// table), ErrRagged, ErrUTF8, ErrFieldTooLarge (Options.MaxFieldBytes,
// 1 MiB by default, and MaxRecordBytes), ErrMissingColumn (listing the
// columns there are, and the likely one when a name is misspelled),
// ErrDuplicateColumn, ErrType, ErrFormat or ErrCorrupt. Check them with
// errors.Is. Nothing here panics on any input (fuzz targets for CSV, JSON
// Lines and Parquet guard this) and nothing prints.
//
// # Why our own CSV parser
//
// encoding/csv allocates a string for every field of every record and
// reads a whole record into memory before it can be checked, so a quote
// left open at the top of a large file buffers the rest of the file. Our
// parser works in place on a 256 KiB buffer, hands fields over as byte
// slices, stops a field at MaxFieldBytes and a record at MaxRecordBytes as
// soon as they pass the limit, and names the line and column of every
// error. On generated numeric data it parses into a Frame two to three
// times as fast as encoding/csv plus strconv.ParseFloat on one core, with a
// sixth of the allocation (BenchmarkReadFrameNumericCSV against
// BenchmarkEncodingCSVBaseline; figures in docs/tables.md). Large
// uncompressed files are split at record boundaries and parsed on every
// core (parallel.go). Numbers take Clinger's exact fast path when their
// digits fit in 53 bits and their exponent in ±22, and strconv.ParseFloat
// otherwise, so every value is the correctly rounded one ParseFloat gives.
package table
