package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Problem kinds.
const (
	KindAltered      = "altered"       // an entry's bytes changed (or an entry was replaced)
	KindInserted     = "inserted"      // an entry was added that no checkpoint covers, or duplicated
	KindDeleted      = "deleted"       // an entry is missing
	KindBadSignature = "bad-signature" // a checkpoint does not verify with the key
	KindInconsistent = "inconsistent"  // two checkpoints are not one append-only log
)

// Problem is one finding of Verify.
type Problem struct {
	// Index is the first log entry concerned, or -1 for a checkpoint problem.
	Index   int64  `json:"index"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Table, Row and Field name the registry row that disagrees with the
	// log (table cross-checks only; Field is empty for a whole row).
	Table string `json:"table,omitempty"`
	Row   string `json:"row,omitempty"`
	Field string `json:"field,omitempty"`
}

// Result is what Verify found.
type Result struct {
	// Entries is how many entries verified in order from index 0.
	Entries uint64 `json:"entries"`
	// Root is the recomputed root over those entries.
	Root []byte `json:"root"`
	// Checkpoints is how many signed checkpoints verified.
	Checkpoints int `json:"checkpoints"`
	// Latest is the largest verified checkpoint, if any.
	Latest   *Checkpoint `json:"-"`
	Problems []Problem   `json:"problems,omitempty"`
}

// OK reports whether nothing was found.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// First returns the first entry problem (lowest index), else the first
// problem, else nil.
func (r *Result) First() *Problem {
	var first *Problem
	for i := range r.Problems {
		p := &r.Problems[i]
		if p.Index >= 0 && (first == nil || first.Index < 0 || p.Index < first.Index) {
			first = p
		}
	}
	if first == nil && len(r.Problems) > 0 {
		first = &r.Problems[0]
	}
	return first
}

func (r *Result) add(index int64, kind, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Index: index, Kind: kind, Message: fmt.Sprintf(format, args...)})
}

// VerifyOptions adds optional checks to Verify.
type VerifyOptions struct {
	// ConsistencyProof, if set, fetches the log's own consistency proof
	// between two sizes (a server's proof API); otherwise Verify derives
	// proofs from the recomputed tree.
	ConsistencyProof func(from, to uint64) ([][]byte, error)
	// Trusted are signed checkpoints the auditor kept from earlier (for
	// instance from a previous export): the log must still contain them,
	// which detects truncation and rewrites since.
	Trusted [][]byte
}

type signedCP struct {
	Checkpoint
	trusted bool
}

// Verify recomputes the tree from the log's entries and checks every
// checkpoint's signature and root and the consistency between each pair of
// consecutive checkpoints. It stops walking entries at the first altered,
// inserted or deleted entry and names its index.
func Verify(l *Log, v *Verifier, o VerifyOptions) *Result {
	res := &Result{}
	cps := openCheckpoints(res, l.Checkpoints, v, false)
	cps = append(cps, openCheckpoints(res, o.Trusted, v, true)...)
	sort.SliceStable(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })
	// Drop duplicates; two different roots for one size are a fork.
	var uniq []signedCP
	for _, c := range cps {
		if n := len(uniq); n > 0 && uniq[n-1].Size == c.Size {
			if !bytes.Equal(uniq[n-1].Hash, c.Hash) {
				res.add(-1, KindInconsistent, "two signed checkpoints for tree size %d have different roots: the log was forked or rewritten", c.Size)
			}
			uniq[n-1].trusted = uniq[n-1].trusted || c.trusted
			continue
		}
		uniq = append(uniq, c)
	}
	cps = uniq
	res.Checkpoints = len(cps)
	if len(cps) > 0 {
		res.Latest = &cps[len(cps)-1].Checkpoint
	}

	tree := &Tree{}
	next := 0         // next checkpoint to reach
	good := uint64(0) // size of the last checkpoint the entries matched
	for next < len(cps) && cps[next].Size == 0 {
		if !bytes.Equal(cps[next].Hash, EmptyRoot()) {
			res.add(-1, KindInconsistent, "signed checkpoint for size 0 has a non-empty root")
		}
		next++
	}
	stopped := false
	for _, rec := range l.Entries {
		i := tree.Size()
		if !checkRecord(res, rec, i) {
			stopped = true
			break
		}
		tree.Append(LeafHash(rec.Data))
		for ; next < len(cps) && cps[next].Size == i+1; next++ {
			root, _ := tree.Root(i + 1)
			if bytes.Equal(root, cps[next].Hash) {
				good = i + 1
				continue
			}
			if good == i {
				res.add(int64(i), KindAltered, "entry %d was altered, replaced or inserted: the log no longer matches the signed checkpoint for size %d", i, i+1)
			} else {
				res.add(int64(good), KindAltered, "an entry in %d..%d was altered, inserted or deleted: the log no longer matches the signed checkpoint for size %d (the previous checkpoint, size %d, matches)", good, i, i+1, good)
			}
			stopped = true
			break
		}
		if stopped {
			break
		}
	}
	n := tree.Size()
	res.Entries = n
	res.Root, _ = tree.Root(n)
	if !stopped {
		switch {
		case next < len(cps):
			what := "signed checkpoint"
			if cps[len(cps)-1].trusted {
				what = "checkpoint you trusted"
			}
			res.add(int64(n), KindDeleted, "entry %d and later are missing: the log ends at %d entries but a %s has size %d", n, n, what, cps[len(cps)-1].Size)
		case res.Latest == nil && n > 0:
			res.add(0, KindInserted, "entry 0 and later are not covered by any signed checkpoint")
		case res.Latest != nil && n > res.Latest.Size:
			res.add(int64(res.Latest.Size), KindInserted, "entry %d was inserted: it is beyond the latest signed checkpoint (size %d)", res.Latest.Size, res.Latest.Size)
		}
	}
	checkConsistency(res, cps, tree, o)
	return res
}

func openCheckpoints(res *Result, notes [][]byte, v *Verifier, trusted bool) []signedCP {
	var out []signedCP
	for i, msg := range notes {
		c, err := v.Open(msg)
		if err != nil {
			what := "stored checkpoint"
			if trusted {
				what = "trusted checkpoint"
			}
			res.add(-1, KindBadSignature, "%s #%d (%s) does not verify with key %s: %v", what, i, firstLine(msg), v.Key(), err)
			continue
		}
		out = append(out, signedCP{c, trusted})
	}
	return out
}

// checkRecord checks that the stored row at position i is entry i.
func checkRecord(res *Result, rec Record, i uint64) bool {
	switch {
	case rec.Index > i:
		res.add(int64(i), KindDeleted, "entry %d was deleted: the next stored entry is %d", i, rec.Index)
		return false
	case rec.Index < i:
		res.add(int64(i), KindInserted, "entry %d is stored twice or out of order", rec.Index)
		return false
	}
	e, err := ParseEntry(rec.Data)
	if err != nil {
		res.add(int64(i), KindAltered, "entry %d was altered: %v", i, err)
		return false
	}
	switch {
	case e.Index > i:
		res.add(int64(i), KindDeleted, "entry %d was deleted: the entry stored at %d is entry %d (later entries were renumbered)", i, i, e.Index)
		return false
	case e.Index < i:
		res.add(int64(i), KindInserted, "an entry was inserted before %d: the entry stored at %d is entry %d (later entries were renumbered)", i, i, e.Index)
		return false
	}
	if rec.LeafHash != nil && !bytes.Equal(rec.LeafHash, LeafHash(rec.Data)) {
		res.add(int64(i), KindAltered, "entry %d was altered: its bytes no longer match the leaf hash recorded when it was appended", i)
		return false
	}
	return true
}

// checkConsistency verifies an RFC 6962 consistency proof between each
// pair of consecutive checkpoints.
func checkConsistency(res *Result, cps []signedCP, tree *Tree, o VerifyOptions) {
	for k := 1; k < len(cps); k++ {
		a, b := cps[k-1], cps[k]
		if a.Size == 0 {
			continue
		}
		var p [][]byte
		var err error
		switch {
		case o.ConsistencyProof != nil:
			p, err = o.ConsistencyProof(a.Size, b.Size)
		case b.Size <= tree.Size():
			p, err = tree.Consistency(a.Size, b.Size)
		default:
			continue // the entries are gone; already reported
		}
		if err == nil {
			err = proof.VerifyConsistency(rfc6962.DefaultHasher, a.Size, b.Size, p, a.Hash, b.Hash)
		}
		if err != nil {
			// The library's error prints hashes as byte lists; name the roots.
			res.add(-1, KindInconsistent, "checkpoints for sizes %d (root %s) and %d (root %s) are not consistent: the log was rewritten between them",
				a.Size, base64.StdEncoding.EncodeToString(a.Hash), b.Size, base64.StdEncoding.EncodeToString(b.Hash))
			return
		}
	}
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 60 {
		b = b[:60]
	}
	return string(b)
}

// VerifyInclusion checks an RFC 6962 inclusion proof of the leaf hash at
// index against checkpoint c.
func VerifyInclusion(index uint64, c Checkpoint, leafHash []byte, hashes [][]byte) error {
	return readableProofErr(proof.VerifyInclusion(rfc6962.DefaultHasher, index, c.Size, leafHash, hashes, c.Hash), c)
}

// VerifyConsistency checks an RFC 6962 consistency proof between two
// checkpoints.
func VerifyConsistency(older, newer Checkpoint, hashes [][]byte) error {
	return readableProofErr(proof.VerifyConsistency(rfc6962.DefaultHasher, older.Size, newer.Size, hashes, older.Hash, newer.Hash), newer)
}

// readableProofErr replaces the merkle library's root mismatch error, which
// prints hashes as byte lists, by one naming the signed root in base64.
func readableProofErr(err error, c Checkpoint) error {
	var rm proof.RootMismatchError
	if errors.As(err, &rm) {
		return fmt.Errorf("the proof leads to root %s, not the signed root %s of size %d",
			base64.StdEncoding.EncodeToString(rm.CalculatedRoot), base64.StdEncoding.EncodeToString(c.Hash), c.Size)
	}
	return err
}
