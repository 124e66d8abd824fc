package table

import (
	"errors"
	"fmt"
	"io"
)

// ChunkRows is how many rows a chunk holds when the file is read on one
// core (compressed files, JSON Lines, Parquet, small CSV files). Large CSV
// files come in chunks of about 256 KiB of text each.
const ChunkRows = 8192

// ReadChunks streams the selected columns of the table at path to fn as a
// sequence of small Frames, each holding consecutive rows, in file order.
// It is ReadFrame without the whole table in memory: a caller that only
// summarises columns (counts, sorted values) keeps its summaries and lets
// each chunk go. bytes is the part of the input the chunk covers (0 when
// unknown, for compressed input and Parquet), for progress.
//
// The chunk and its slices are valid only until fn returns, and fn is
// called from one goroutine at a time. Kinds are inferred per chunk: a
// column with no value in a chunk has KindUnknown there (its Nulls equal
// the chunk's Rows, and Num and Codes are empty), and a column whose values
// mix kinds inside a chunk has Mixed set, KindUnknown and no values. A column that is
// Mixed in any chunk, or whose kind differs between two chunks, is text
// (ReadFrame's rule): read it again with its kind forced to KindString.
// Dict and Codes are per chunk.
//
// Large uncompressed CSV files are parsed on every core, as ReadFrame
// does. A file with no data rows is ErrEmpty; every error names the file,
// line and column (a parse error in a parallel chunk is reported by
// parsing the file again on one core, so its line is exact). An error
// returned by fn stops the read and is returned as is.
func ReadChunks(path string, opt Options, fn func(chunk *Frame, bytes int64) error) error {
	rd, err := Open(path, opt)
	if err != nil {
		return err
	}
	defer rd.Close()
	proto := make([]*colBuilder, len(rd.cols))
	for i, n := range rd.cols {
		proto[i] = &colBuilder{c: &Column{Name: n}, force: rd.force[i]}
	}
	if ps, ok := rd.src.(*parquetSource); ok {
		for i, b := range proto {
			ps.conv[i].noText = b.force != KindString
		}
	}
	if !useParallel(rd) {
		return readChunksSeq(rd, proto, fn)
	}
	frame := &Frame{Name: path, Columns: make([]*Column, len(proto))}
	total := 0
	err = readParallel(path, rd, proto, streamChunkBytes, func(r chunkResult, _ bool) error {
		chunkFrame(frame, r.bs, r.rows)
		total += r.rows
		if err := fn(frame, int64(r.bytes)); err != nil {
			return &fnError{err}
		}
		return nil
	})
	var fe *fnError
	switch {
	case errors.As(err, &fe):
		return fe.err
	case err == errFallback:
		// A chunk failed to parse: the one-core reader finds the same
		// error with its exact line. Chunks already went to fn, so its
		// rows are not handed over again.
		rd2, err := Open(path, opt)
		if err != nil {
			return err
		}
		defer rd2.Close()
		if err := readChunksSeq(rd2, proto, func(*Frame, int64) error { return nil }); err != nil {
			return err
		}
		return &Error{File: path, Err: fmt.Errorf("%w: the parallel CSV reader failed where the sequential one did not", ErrCorrupt)}
	case err != nil:
		return err
	case total == 0:
		return &Error{File: rd.name, Err: wrapf(ErrEmpty, "no data rows")}
	}
	return nil
}

// fnError carries the callback's error through readParallel untouched.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }

// readChunksSeq reads rd on this goroutine, ChunkRows rows at a time.
func readChunksSeq(rd *Reader, bs []*colBuilder, fn func(*Frame, int64) error) error {
	frame := &Frame{Name: rd.name, Columns: make([]*Column, len(bs))}
	rows := 0
	var consumed int64 // input bytes handed over so far
	flush := func() error {
		if rows == 0 {
			return nil
		}
		var n int64
		if rd.count != nil {
			n = rd.count.n - consumed
			consumed = rd.count.n
		}
		chunkFrame(frame, bs, rows)
		err := fn(frame, n)
		for _, b := range bs {
			b.reset()
		}
		rows = 0
		return err
	}
	for {
		line, err := rd.nextFields()
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return err
		}
		for i := range rd.fields {
			if err := bs[i].add(&rd.fields[i], rd.nulls); err != nil {
				return &Error{File: rd.name, Line: line, Column: rd.cols[i], Err: err}
			}
		}
		if rows++; rows == ChunkRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// chunkFrame points frame at the builders' columns as one chunk, without
// the whole-table defaults finish applies (an all-null chunk column stays
// KindUnknown) and without dropping the builders' dictionaries, which
// reset reuses.
func chunkFrame(frame *Frame, bs []*colBuilder, rows int) {
	frame.Rows = rows
	for i, b := range bs {
		c := b.c
		c.Mixed = b.redo
		c.Kind = b.state
		if b.force != KindUnknown && b.state != KindUnknown {
			c.Kind = b.force
		}
		if b.redo || b.state == KindUnknown {
			c.Kind = KindUnknown
			c.Num, c.Codes = c.Num[:0], c.Codes[:0]
		}
		c.Integer = c.Kind == KindNumber && !b.notInt && c.Nulls < rows
		frame.Columns[i] = c
	}
}
