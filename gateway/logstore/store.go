package logstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlsec/mlsec/internal/sqldb"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// ErrUnavailable wraps every failure to store or read records (a full disk,
// a database that is down). Its message never holds record content: the
// store only ever sees redacted records, and errors are classified before
// they are wrapped.
var ErrUnavailable = errors.New("log store unavailable")

// Options configure Open.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "normal" (default) or
	// "full".
	Synchronous string
	// MaxBatch bounds the records committed in one transaction (default 256).
	MaxBatch int
	// MaxPages, when set, caps a SQLite database's size in pages
	// (PRAGMA max_page_count): tests use it to fill the "disk".
	MaxPages int
	// OnCommit, when set, is called by the writer after each group commit
	// (the gateway's batch and commit-time histograms). It must not block.
	OnCommit func(CommitStats)
	// Journal, when set, is the path of the acknowledgement journal
	// (journal.go): Append returns once its record is in that file rather
	// than once it is committed, and Open replays what the database lacks.
	// It survives kill -9, not a power loss: leave it empty with
	// Synchronous "full".
	Journal string
}

// CommitStats describes one group commit.
type CommitStats struct {
	// Records is the batch size.
	Records int
	// Wait is how long the batch's oldest record waited between Append and
	// the start of its transaction (with a journal, up to journalLinger of
	// it is the writer gathering the batch on purpose).
	Wait time.Duration
	// Begin is the wait for the connection (shared with the job queue and
	// readers on SQLite) and the BEGIN.
	Begin time.Duration
	// Commit is the transaction's duration (begin, inserts, commit).
	Commit time.Duration
	Err    error
}

// Store holds the gateway's log records, drift partials and windows.
type Store struct {
	dialect string
	db      *sql.DB
	opt     Options

	ck      *checkpointer // SQLite only
	insert  *sql.Stmt     // prepared once: parsing the INSERT per batch cost a tenth of a commit
	advance *sql.Stmt     // the journal's committed sequence (insertBatch), prepared once too
	in      chan *pending
	stop    chan struct{}
	done    chan struct{}
	closeMu sync.Once

	j       *journal // nil without Options.Journal
	replay  ReplayStats
	failing atomic.Bool // the last commit failed (journal mode refuses appends meanwhile)
	// abandoned: a journaled batch was left uncommitted at Close, so the
	// writer commits nothing more (owned by the writer goroutine).
	abandoned bool
	lastErr   atomic.Value // error: the last commit's failure
}

type pending struct {
	args []any // the INSERT's arguments, encoded by the caller: the writer only executes
	at   time.Time
	done chan error
	// seq and bytes place a journaled record in the journal.
	seq, bytes int64
}

// Open connects to dsn (a SQLite file, or a postgres:// URL), applies the
// schema and starts the group-commit writer.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Synchronous == "" {
		opt.Synchronous = "normal"
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	s := &Store{opt: opt, in: make(chan *pending, 4096), stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if sqldb.IsPostgres(dsn) {
		s.dialect = Postgres
		s.db, err = sql.Open("pgx", dsn)
		if err == nil {
			s.db.SetMaxOpenConns(16)
			s.db.SetMaxIdleConns(16)
		}
	} else {
		s.dialect = SQLite
		var full string
		if s.db, full, err = openSQLite(dsn, opt); err == nil {
			s.ck, err = newCheckpointer(full)
			if err != nil {
				s.db.Close()
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: open: %w", ErrUnavailable, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.closeDB()
		return nil, fmt.Errorf("%w: schema: %w", ErrUnavailable, err)
	}
	if s.insert, err = s.db.PrepareContext(ctx, s.rebind(insertRecord)); err == nil {
		s.advance, err = s.db.PrepareContext(ctx, s.rebind(advanceJournal))
	}
	if err != nil {
		s.closeDB()
		return nil, fmt.Errorf("%w: prepare: %w", ErrUnavailable, err)
	}
	if opt.Journal != "" {
		if err := s.openJournal(ctx, opt.Journal); err != nil {
			s.closeDB()
			if errors.Is(err, ErrUnavailable) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	go s.writer()
	return s, nil
}

// openSQLite opens the store's single-connection pool and returns it with
// the full DSN (the checkpointer opens its own connection with it).
func openSQLite(dsn string, opt Options) (*sql.DB, string, error) {
	path := sqldb.SQLitePath(dsn)
	if path == "" {
		return nil, "", errors.New("empty SQLite path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", err
		}
	}
	// wal_autocheckpoint(0): no connection checkpoints when it commits;
	// the checkpointer does (checkpoint.go), off the writer's path.
	q := "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(" + opt.Synchronous + ")" +
		"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(" + fmt.Sprint(walSizeLimit) + ")&_txlock=immediate"
	if opt.MaxPages > 0 {
		q += fmt.Sprintf("&_pragma=max_page_count(%d)", opt.MaxPages)
	}
	// One connection: SQLite has one writer, and River's SQLite driver
	// wants a single-connection pool too. Reads are short and indexed.
	full := "file:" + (&url.URL{Path: path}).EscapedPath() + q
	db, err := sql.Open("sqlite", full)
	if err != nil {
		return nil, "", err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, "", err
	}
	_ = os.Chmod(path, 0o600)
	return db, full, nil
}

// Dialect returns SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// DB returns the database pool (the job queue shares it, so jobs are
// enqueued in the same transactions as the rows they are about).
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return classify("ping", err)
	}
	return nil
}

// Close stops the writer (records already handed to Append are committed
// first) and closes the database.
func (s *Store) Close() error {
	s.closeMu.Do(func() {
		close(s.stop)
		<-s.done
		s.insert.Close()
		s.advance.Close()
		if s.j != nil {
			s.j.f.Close()
		}
	})
	return s.closeDB()
}

// closeDB closes the checkpointer (SQLite) and the pool; the last
// connection to close checkpoints the rest of the WAL.
func (s *Store) closeDB() error {
	if s.ck != nil {
		s.ck.close()
	}
	return s.db.Close()
}

// Tx runs fn in a transaction and commits it when fn returns nil.
func (s *Store) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify("begin", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return classify("commit", err)
	}
	return nil
}

// Append stores one record and returns once it is committed: a record
// Append acknowledged is on disk (in SQLite's WAL with synchronous=normal,
// which survives a crash of the process; with full, a power loss too).
// Concurrent appends share transactions (group commit), so the cost of a
// commit is paid once per batch.
//
// With a journal (Options.Journal) Append returns once the record is
// written to the journal, and the commit follows within a batch; while the
// store's commits fail it refuses (fail closed), and while more than
// journalMaxPending bytes wait for their commit it waits for its own.
func (s *Store) Append(ctx context.Context, r *Record) error {
	w := newRow(r)
	p := &pending{args: w.args(), at: time.Now(), done: make(chan error, 1)}
	if s.j != nil {
		select {
		case <-s.stop:
			return fmt.Errorf("%w: closed", ErrUnavailable)
		default:
		}
		if s.failing.Load() {
			if err, ok := s.lastErr.Load().(error); ok {
				return err
			}
			return fmt.Errorf("%w: failing", ErrUnavailable)
		}
		if err := s.journalAppend(&w, p); err != nil {
			return err
		}
		if s.j.pending.Load() > journalMaxPending {
			return <-p.done
		}
		return nil
	}
	select {
	case s.in <- p:
	case <-s.stop:
		return fmt.Errorf("%w: closed", ErrUnavailable)
	case <-ctx.Done():
		return ctx.Err()
	}
	// Wait for the commit even if ctx ends: the caller must know whether
	// the record is stored before it answers.
	return <-p.done
}

// journalLinger is how long the writer, with a journal, lets a batch
// gather records before it commits (a variable so that a test can change
// it). The answers do not wait for the commit, only for their journal
// write, so lingering costs them no wait; it makes batches larger, and a
// commit costs about the same for one record as for several (SQLite writes
// each changed page to the WAL: the table's, two indexes', the journal
// sequence's). At 2,000 req/s the batches were of one record (p50) and the
// writer was a sixth of the gateway's CPU. 1 ms gives batches of 4 (p50);
// 5 ms gave 16, and fewer commits still, but the gateway's p99 was worse in
// bench/gateway.sh (27-33 ms against 21 ms at load 4-5; docs/gateway.md).
var journalLinger = 1 * time.Millisecond

func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*pending, 0, s.opt.MaxBatch)
	var linger *time.Timer
	var kick chan struct{} // nil without a journal: never ready
	if s.j != nil {
		kick = s.j.kick
		if journalLinger > 0 {
			linger = time.NewTimer(time.Hour)
			linger.Stop()
		}
	}
	// more adds what is ready without waiting: records handed over on
	// s.in (no journal) or queued in the journal.
	more := func() {
		if s.j != nil {
			batch = s.j.take(batch, s.opt.MaxBatch)
			return
		}
		for len(batch) < s.opt.MaxBatch {
			select {
			case p := <-s.in:
				batch = append(batch, p)
			default:
				return
			}
		}
	}
	for {
		batch = batch[:0]
		select {
		case p := <-s.in:
			batch = append(batch, p)
		case <-kick:
		case <-s.stop:
			// Drain what was handed over before Close.
			for {
				select {
				case p := <-s.in:
					s.commit([]*pending{p})
					continue
				default:
				}
				if s.j == nil {
					return
				}
				b := s.j.take(nil, s.opt.MaxBatch)
				if len(b) == 0 {
					return
				}
				s.commit(b)
			}
		}
		more()
		if len(batch) == 0 {
			continue // a wake-up for records an earlier take had
		}
		if linger != nil && len(batch) < s.opt.MaxBatch {
			linger.Reset(journalLinger - time.Since(batch[0].at))
		gather:
			for len(batch) < s.opt.MaxBatch {
				select {
				case <-kick:
					more()
				case <-linger.C:
					break gather
				case <-s.stop:
					break gather // commit what is here, then drain
				}
			}
			linger.Stop()
			more()
		}
		s.commit(batch)
		if s.ck != nil && s.ck.restartWanted() {
			s.ck.finish(s.db)
		}
	}
}

// commit commits batch. Without a journal a failure is returned to the
// waiting Appends (they were not acknowledged). With one the records are
// acknowledged already: the batch is retried until it commits or the store
// closes (then the next Open replays it), and Append refuses meanwhile.
func (s *Store) commit(batch []*pending) {
	if s.abandoned {
		for _, p := range batch {
			p.done <- nil // journaled, replayed by the next Open
		}
		return
	}
	err := s.commitOnce(batch)
	for backoff := 10 * time.Millisecond; err != nil && s.j != nil; backoff = min(2*backoff, time.Second) {
		s.lastErr.Store(err)
		s.failing.Store(true)
		select {
		case <-s.stop:
			// Journaled: replayed by the next Open. Nothing after this
			// batch may commit before it (the drain in writer).
			s.abandoned = true
			for _, p := range batch {
				p.done <- nil
			}
			return
		case <-time.After(backoff):
		}
		err = s.commitOnce(batch)
	}
	if err == nil {
		s.failing.Store(false)
		if s.j != nil {
			var n int64
			for _, p := range batch {
				n += p.bytes
			}
			s.j.committedUpTo(batch[len(batch)-1].seq, n)
		}
	}
	for _, p := range batch {
		p.done <- err
	}
}

func (s *Store) commitOnce(batch []*pending) error {
	t0 := time.Now()
	tx, err := s.db.BeginTx(context.Background(), nil)
	began := time.Now()
	if err != nil {
		err = classify("begin", err)
	} else {
		jid := ""
		if s.j != nil {
			jid = s.j.id
		}
		err = s.insertBatch(tx, batch, jid, batch[0].seq, batch[len(batch)-1].seq)
	}
	if s.opt.OnCommit != nil {
		s.opt.OnCommit(CommitStats{Records: len(batch), Wait: t0.Sub(batch[0].at), Begin: began.Sub(t0),
			Commit: time.Since(t0), Err: err})
	}
	return err
}

// insertBatch inserts the batch in tx and commits it (or rolls it back).
// With a journal id it records seq as that journal's committed sequence in
// the same transaction, so replay never inserts a record twice.
func (s *Store) insertBatch(tx *sql.Tx, batch []*pending, jid string, first, last int64) error {
	st := tx.Stmt(s.insert)
	defer st.Close()
	for _, p := range batch {
		if _, err := st.Exec(p.args...); err != nil {
			_ = tx.Rollback()
			return classify("insert", err)
		}
	}
	if jid != "" {
		// Only the next batch in sequence may commit: the stored seq means
		// "everything up to here", so a gap would lose records on replay.
		adv := tx.Stmt(s.advance)
		defer adv.Close()
		res, err := adv.Exec(last, jid, first-1)
		if err != nil {
			_ = tx.Rollback()
			return classify("insert", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			_ = tx.Rollback()
			return fmt.Errorf("%w: journal sequence %d does not follow the committed one", ErrUnavailable, first)
		}
	}
	if err := tx.Commit(); err != nil {
		return classify("commit", err)
	}
	return nil
}

// classify turns a driver error into ErrUnavailable with a message that
// names the operation and the kind of failure but carries no driver text:
// PostgreSQL's messages can quote a failing row, and even though rows are
// redacted, error paths stay content-free.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	}
	kind := "database error"
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "full"), strings.Contains(msg, "no space"):
		kind = "disk full"
	case strings.Contains(msg, "connect"), strings.Contains(msg, "closed"), strings.Contains(msg, "terminat"),
		strings.Contains(msg, "does not exist"), strings.Contains(msg, "broken pipe"), strings.Contains(msg, "eof"):
		kind = "database down"
	case strings.Contains(msg, "locked"), strings.Contains(msg, "busy"):
		kind = "database busy"
	case strings.Contains(msg, "readonly"), strings.Contains(msg, "read-only"), strings.Contains(msg, "permission"):
		kind = "not writable"
	}
	return fmt.Errorf("%w: %s: %s", ErrUnavailable, op, kind)
}

func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	return sqldb.Rebind(q)
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }
