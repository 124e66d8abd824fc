package manifest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/blake2b"
	"lukechampine.com/blake3"
)

// bufSize is the read size per worker. A few MiB amortises syscalls; with
// the worker cap below the total stays far below the 100 MB RSS budget.
const bufSize = 4 << 20

// maxWorkers caps concurrent readers so buffers never exceed 16 × 4 MiB even
// on very large machines; disks stop scaling long before that.
const maxWorkers = 16

// NewHash returns a fresh hash for an OMS hash_type name.
func NewHash(algorithm string) (hash.Hash, error) {
	switch algorithm {
	case "", SHA256:
		return sha256.New(), nil
	case BLAKE2b:
		return blake2b.New512(nil)
	case BLAKE3:
		return blake3.New(32, nil), nil
	}
	return nil, fmt.Errorf("%w %q (want sha256, blake2b or blake3)", ErrUnknownHash, algorithm)
}

// task is one unit of work: a whole file or one shard range.
type task struct {
	idx        int
	f          *file
	start, end int64
}

// Hash hashes the model at root (a file or a folder) and returns its manifest
// with items in code-point order of their names.
func Hash(ctx context.Context, root string, opts Options) (*Manifest, error) {
	alg := opts.Algorithm
	if alg == "" {
		alg = SHA256
	}
	if _, err := NewHash(alg); err != nil {
		return nil, err
	}
	if opts.ShardSize < 0 {
		return nil, fmt.Errorf("%w: negative shard size %d", ErrUnsupportedMode, opts.ShardSize)
	}
	if opts.ShardSize > 0 && alg == BLAKE3 {
		// The reference silently falls back to files mode; we refuse
		// instead so the recorded parameters always mean what they say.
		return nil, fmt.Errorf("%w: blake3 is only defined for files mode", ErrUnsupportedMode)
	}
	ignores, err := effectiveIgnores(opts.IgnorePaths, opts.KeepGitPaths)
	if err != nil {
		return nil, err
	}
	l, err := listFiles(root, ignores, opts)
	if err != nil {
		return nil, err
	}
	reuse := reusable(opts.Reuse, l.root, alg, opts.ShardSize)
	var tasks []task
	var items []Item
	var total int64
	for i := range l.files {
		f := &l.files[i]
		if d, ok := reuse[f.name]; ok && d.Size == f.size {
			items = append(items, d)
			continue
		}
		total += f.size
		if opts.ShardSize == 0 {
			tasks = append(tasks, task{idx: len(tasks), f: f, start: 0, end: f.size})
			continue
		}
		// Empty files yield no shard, exactly like the reference.
		for s := int64(0); s < f.size; s += opts.ShardSize {
			e := min(s+opts.ShardSize, f.size)
			tasks = append(tasks, task{idx: len(tasks), f: f, start: s, end: e})
		}
	}
	if len(tasks)+len(items) == 0 {
		return nil, noFiles(root, l, opts)
	}
	hashed := make([]Item, len(tasks))
	if err := runTasks(ctx, tasks, hashed, alg, total, opts); err != nil {
		return nil, err
	}
	if len(items) > 0 {
		hashed = append(hashed, items...)
	}
	m := &Manifest{Algorithm: alg, ShardSize: opts.ShardSize, Items: hashed,
		IgnorePaths: recordedIgnores(ignores, l), AllowSymlinks: opts.AllowSymlinks,
		Root: l.root, SingleFile: !l.dir, Attachments: l.attachments, Warnings: l.warnings}
	m.Sort()
	return m, nil
}

// reusable indexes the items of an earlier files-mode manifest of the same
// root and algorithm; anything else cannot be reused.
func reusable(prev *Manifest, root, alg string, shardSize int64) map[string]Item {
	if prev == nil || prev.ShardSize != 0 || shardSize != 0 || prev.Algorithm != alg || prev.Root != root {
		return nil
	}
	out := make(map[string]Item, len(prev.Items))
	for _, it := range prev.Items {
		out[it.Name] = it
	}
	return out
}

// recordedIgnores is the ignore list a signer records: the effective
// ignores, the attachments found, and SignatureFile, reserved for the
// signature unless a model file of that name was hashed.
func recordedIgnores(ignores []string, l *listing) []string {
	out := slices.Clone(ignores)
	for _, a := range l.attachments {
		out = append(out, a.Path)
	}
	if l.dir && !slices.ContainsFunc(l.files, func(f file) bool { return f.name == SignatureFile }) {
		out = append(out, SignatureFile)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// noFiles says why nothing was left to hash.
func noFiles(root string, l *listing, opts Options) error {
	var why []string
	if n := len(l.files); n > 0 && opts.ShardSize > 0 {
		why = append(why, fmt.Sprintf("the %d file(s) left are empty, and shards mode gives an empty file no shard (sign in files mode: --shard-size 0)", n))
	}
	if n := len(l.ignored); n > 0 {
		why = append(why, fmt.Sprintf("%d path(s) are ignored (%s)", n, short(l.ignored)))
	}
	if n := len(l.attachments); n > 0 {
		names := make([]string, n)
		for i, a := range l.attachments {
			names[i] = a.Path
		}
		why = append(why, fmt.Sprintf("%d file(s) are mlsec attachments, not model files (%s)", n, short(names)))
	}
	if l.unlisted > 0 {
		why = append(why, fmt.Sprintf("%d file(s) are not listed by the signature", l.unlisted))
	}
	if len(why) == 0 {
		why = append(why, "the folder holds no regular file")
	}
	return fmt.Errorf("%s: %w: %s", root, ErrNoFiles, strings.Join(why, "; "))
}

func short(names []string) string {
	const max = 5
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(", … (%d more)", len(names)-max)
}

func runTasks(ctx context.Context, tasks []task, items []Item, alg string, total int64, opts Options) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, maxWorkers, len(tasks))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var done atomic.Int64
	var progMu sync.Mutex
	report := func(n int64) {
		d := done.Add(n)
		if opts.Progress != nil {
			progMu.Lock()
			opts.Progress(d, total)
			progMu.Unlock()
		}
	}
	ch := make(chan task)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			buf := make([]byte, bufSize)
			for t := range ch {
				d, err := hashRange(ctx, t, alg, buf, report)
				if err != nil {
					cancel(err)
					continue
				}
				name := t.f.name
				if opts.ShardSize > 0 {
					name = ShardName(name, t.start, t.end)
				}
				items[t.idx] = Item{Name: name, Digest: d, Size: t.end - t.start}
			}
		})
	}
feed:
	for _, t := range tasks {
		select {
		case ch <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// hashRange hashes bytes [start,end) of the task's file with ReadAt, so
// shards of one file can be read concurrently without sharing an offset.
func hashRange(ctx context.Context, t task, alg string, buf []byte, report func(int64)) ([]byte, error) {
	h, err := NewHash(alg)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(t.f.path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.f.name, err)
	}
	defer f.Close()
	off := t.start
	for off < t.end {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := int(min(int64(len(buf)), t.end-off))
		n, err := f.ReadAt(buf[:n], off)
		if n > 0 {
			h.Write(buf[:n])
			off += int64(n)
			report(int64(n))
		}
		if err != nil {
			if errors.Is(err, io.EOF) && off < t.end {
				return nil, fmt.Errorf("%s: file shrank while hashing (%d of %d bytes)", t.f.name, off, t.end)
			}
			if !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s: %w", t.f.name, err)
			}
		}
	}
	return h.Sum(nil), nil
}
