package table

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
)

// Parallel CSV loading. ReadFrame splits a large uncompressed CSV file into
// chunks that each start at a record boundary and parses them on every
// core, then appends the chunks' columns in file order into the final
// columns. A newline ends a record exactly when an even number of quotes
// precede it (doubled quotes inside a quoted field count twice), so the
// boundaries are found by counting quotes, which is far cheaper than
// parsing. In-flight chunks are bounded, so memory stays the final columns
// plus a few chunks.
//
// Any parse error sends ReadFrame back to the sequential reader, whose
// error (line and column included) is the authoritative one: a malformed
// quote can mislead the boundary count, and errors are rare enough that
// reading again costs nothing that matters.

const (
	parallelMinBytes = 8 << 20 // smaller files are read on one core
	chunkBytes       = 512 << 10
	// streamChunkBytes is ReadChunks' chunk: its callers keep summaries,
	// not the chunks, so the chunks in flight are most of their memory;
	// half the size halves that (3 MB on a 1M-row, 5-column table) at no
	// measurable cost in speed.
	streamChunkBytes = 256 << 10
)

var errFallback = errors.New("table: parallel read gave up")

// useParallel reports whether rd can be loaded in parallel.
func useParallel(rd *Reader) bool {
	_, isCSV := rd.src.(*csvSource)
	return isCSV && rd.count != nil && rd.size >= parallelMinBytes && rd.max == 0 && runtime.GOMAXPROCS(0) > 1
}

type chunkJob struct {
	seq  int
	data []byte
	line int64
}

type chunkResult struct {
	seq   int
	bs    []*colBuilder
	rows  int
	bytes int
	err   error
}

// readFrameParallel loads the rest of rd's CSV file (after its header)
// into fr's builders bs.
func readFrameParallel(path string, rd *Reader, fr *Frame, bs []*colBuilder) error {
	return readParallel(path, rd, bs, chunkBytes, func(r chunkResult, first bool) error {
		for i, b := range bs {
			if err := b.merge(r.bs[i]); err != nil {
				return errFallback
			}
		}
		fr.Rows += r.rows
		if first && r.rows > 0 {
			// Size the columns once, from the first chunk's bytes per row.
			est := int(float64(rd.size)/float64(r.bytes)*float64(r.rows)*1.05) + 1024
			for _, b := range bs {
				b.reserve(est)
			}
		}
		return nil
	})
}

// readParallel parses the rest of rd's CSV file (after its header) in
// chunks of about size bytes on every core and hands each chunk's builders (fresh ones shaped
// like proto) to sink in file order; first marks the first chunk. The
// builders are reused once sink returns.
func readParallel(path string, rd *Reader, proto []*colBuilder, size int, sink func(r chunkResult, first bool) error) error {
	bs := proto
	src := rd.src.(*csvSource)
	offset := rd.count.n - int64(src.end-src.pos)
	if rd.sniffed != nil {
		offset -= int64(rd.sniffed.Buffered())
	}
	f, err := os.Open(path)
	if err != nil {
		return &Error{File: rd.name, Err: err}
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return &Error{File: rd.name, Err: err}
	}
	workers := runtime.GOMAXPROCS(0)
	if rd.workers > 0 {
		workers = min(workers, rd.workers)
	}
	slots := 2*workers + 1
	jobs := make(chan chunkJob, slots)
	results := make(chan chunkResult, slots)
	tokens := make(chan struct{}, slots) // bounds the chunks in flight
	done := make(chan struct{})
	defer close(done)
	// Recycled chunk buffers and per-chunk builders, so a large file does
	// not allocate (and collect) its size again in temporaries.
	bufs := make(chan []byte, slots+workers)
	spare := make(chan []*colBuilder, slots+workers)
	type split struct {
		n   int
		err error
	}
	splitDone := make(chan split, 1)
	go func() {
		n, err := splitChunks(f, src, size, jobs, tokens, bufs, done)
		close(jobs)
		splitDone <- split{n, err}
	}()
	for range workers {
		go func() {
			for j := range jobs {
				var mine []*colBuilder
				select {
				case mine = <-spare:
				default:
					mine = make([]*colBuilder, len(bs))
					for i, b := range bs {
						mine[i] = &colBuilder{c: &Column{Name: b.c.Name}, force: b.force}
					}
				}
				r := parseChunk(j, src, rd, mine)
				select {
				case bufs <- j.data[:0]:
				default:
				}
				results <- r
			}
		}()
	}
	pending := map[int]chunkResult{}
	total, next := -1, 0
	for total < 0 || next < total {
		r, ok := pending[next]
		if !ok {
			select {
			case r := <-results:
				pending[r.seq] = r
			case sp := <-splitDone:
				if sp.err != nil {
					return sp.err
				}
				total = sp.n
			}
			continue
		}
		delete(pending, next)
		next++
		<-tokens
		if r.err != nil {
			return errFallback
		}
		if err := sink(r, next == 1); err != nil {
			return err
		}
		for _, b := range r.bs {
			b.reset()
		}
		select {
		case spare <- r.bs:
		default:
		}
	}
	return nil
}

// splitChunks reads f and sends chunks of about size bytes that start and
// end on record boundaries, numbered from 0. It returns how many it sent, and
// errFallback when no boundary turns up within a record's maximum size.
func splitChunks(f io.Reader, src *csvSource, size int, jobs chan<- chunkJob, tokens chan struct{}, bufs chan []byte, done <-chan struct{}) (int, error) {
	line := src.line
	var carry []byte
	seq := 0
	for {
		select {
		case tokens <- struct{}{}:
		case <-done:
			return seq, nil
		}
		var buf []byte
		select {
		case buf = <-bufs:
		default:
		}
		if cap(buf) < len(carry)+size {
			buf = make([]byte, 0, len(carry)+size)
		}
		buf = append(buf[:0], carry...)
		for {
			n, err := io.ReadFull(f, buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			eof := err == io.EOF || err == io.ErrUnexpectedEOF
			if err != nil && !eof {
				return seq, &Error{File: src.name, Err: err}
			}
			cut := len(buf)
			if !eof {
				cut = recordBoundary(buf)
			}
			if cut == 0 && !eof {
				if len(buf) > src.maxRecord+size {
					return seq, errFallback // a record larger than allowed: the sequential reader says so
				}
				buf = slices.Grow(buf, size)
				continue
			}
			carry = append(carry[:0], buf[cut:]...)
			if cut > 0 {
				jobs <- chunkJob{seq: seq, data: buf[:cut], line: line}
				line += int64(bytes.Count(buf[:cut], nl))
				seq++
			} else {
				<-tokens
			}
			if eof {
				return seq, nil
			}
			break
		}
	}
}

// recordBoundary returns the index just after the last newline in b that
// an even number of quotes precede, or 0 if there is none. b starts at a
// record boundary.
func recordBoundary(b []byte) int {
	odd := bytes.Count(b, []byte{'"'})%2 == 1 // parity of quotes in b[:end]
	end := len(b)
	for {
		p := bytes.LastIndexByte(b[:end], '\n')
		if p < 0 {
			return 0
		}
		if bytes.Count(b[p:end], []byte{'"'})%2 == 1 {
			odd = !odd
		}
		if !odd {
			return p + 1
		}
		end = p
	}
}

// parseChunk parses one chunk into the empty builders mine.
func parseChunk(j chunkJob, src *csvSource, rd *Reader, mine []*colBuilder) chunkResult {
	s := &csvSource{
		name: src.name, buf: j.data, end: len(j.data), eof: true, line: j.line, delim: src.delim, trim: src.trim,
		maxField: src.maxField, maxRecord: src.maxRecord, class: src.class, header: src.header, want: src.want, nOut: src.nOut,
	}
	out := make([]field, len(mine))
	rows := 0
	for {
		line, err := s.next(out)
		if err == io.EOF {
			return chunkResult{seq: j.seq, bs: mine, rows: rows, bytes: len(j.data)}
		}
		if err != nil {
			return chunkResult{seq: j.seq, err: err}
		}
		for i := range out {
			if err := mine[i].add(&out[i], rd.nulls); err != nil {
				return chunkResult{seq: j.seq, err: &Error{File: rd.name, Line: line, Column: rd.cols[i], Err: err}}
			}
		}
		rows++
	}
}

// reset empties a chunk builder for reuse, keeping its storage.
func (b *colBuilder) reset() {
	c := b.c
	c.Num, c.Codes, c.Dict, c.Nulls = c.Num[:0], c.Codes[:0], c.Dict[:0], 0
	clear(b.dict)
	b.state, b.lead, b.notInt, b.redo = KindUnknown, 0, false, false
}

// merge appends chunk o (the rows after b's) to b.
func (b *colBuilder) merge(o *colBuilder) error {
	if b.redo {
		return nil
	}
	if o.redo || (b.state != KindUnknown && o.state != KindUnknown && b.state != o.state) {
		b.redo = true
		b.c.Num, b.c.Codes, b.c.Dict, b.dict = nil, nil, nil, nil
		return nil
	}
	c, oc := b.c, o.c
	c.Nulls += oc.Nulls
	b.notInt = b.notInt || o.notInt
	if o.state == KindUnknown { // all null
		switch b.state {
		case KindUnknown:
			b.lead += o.lead
		case KindNumber:
			for range o.lead {
				c.Num = append(c.Num, math.NaN())
			}
		default:
			for range o.lead {
				c.Codes = append(c.Codes, NullCode)
			}
		}
		return nil
	}
	if b.state == KindUnknown {
		b.start(o.state)
	}
	if b.state == KindNumber {
		c.Num = append(c.Num, oc.Num...)
		return nil
	}
	remap := make([]uint32, len(oc.Dict))
	for i, v := range oc.Dict {
		remap[i] = b.code(v)
		if remap[i] == NullCode {
			return wrapf(ErrFieldTooLarge, "too many distinct values")
		}
	}
	for _, k := range oc.Codes {
		if k != NullCode {
			k = remap[k]
		}
		c.Codes = append(c.Codes, k)
	}
	return nil
}
