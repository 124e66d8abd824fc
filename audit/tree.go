package audit

import (
	"bytes"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// Tree is an in-memory RFC 6962 tree over leaf hashes that keeps every
// complete subtree hash, so roots at any earlier size and inclusion and
// consistency proofs cost O(log n). It holds 2n hashes (64 bytes a leaf).
// A Tree is not safe for concurrent use.
type Tree struct {
	// levels[l][i] is the hash of the perfect subtree at level l, index i.
	levels [][][]byte
}

// Size returns the number of leaves.
func (t *Tree) Size() uint64 {
	if len(t.levels) == 0 {
		return 0
	}
	return uint64(len(t.levels[0]))
}

// Append adds a leaf hash.
func (t *Tree) Append(leafHash []byte) {
	h := bytes.Clone(leafHash)
	for l := 0; ; l++ {
		if l == len(t.levels) {
			t.levels = append(t.levels, nil)
		}
		t.levels[l] = append(t.levels[l], h)
		n := len(t.levels[l])
		if n%2 == 1 {
			return
		}
		h = HashChildren(t.levels[l][n-2], t.levels[l][n-1])
	}
}

func (t *Tree) node(id compact.NodeID) ([]byte, error) {
	if int(id.Level) >= len(t.levels) || id.Index >= uint64(len(t.levels[id.Level])) {
		return nil, fmt.Errorf("audit tree: node %d/%d not available", id.Level, id.Index)
	}
	return t.levels[id.Level][id.Index], nil
}

func (t *Tree) nodes(ids []compact.NodeID) ([][]byte, error) {
	hs := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := t.node(id)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	return hs, nil
}

// Root returns the root hash of the first size leaves.
func (t *Tree) Root(size uint64) ([]byte, error) {
	if size > t.Size() {
		return nil, fmt.Errorf("audit tree: size %d beyond %d leaves", size, t.Size())
	}
	if size == 0 {
		return EmptyRoot(), nil
	}
	hs, err := t.nodes(compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, err
	}
	root := hs[len(hs)-1]
	for i := len(hs) - 2; i >= 0; i-- {
		root = HashChildren(hs[i], root)
	}
	return root, nil
}

// LeafHash returns the hash of leaf index.
func (t *Tree) LeafHash(index uint64) ([]byte, error) {
	return t.node(compact.NewNodeID(0, index))
}

// Inclusion returns the RFC 6962 inclusion proof of leaf index in the tree
// of the first size leaves.
func (t *Tree) Inclusion(index, size uint64) ([][]byte, error) {
	if size > t.Size() {
		return nil, fmt.Errorf("audit tree: size %d beyond %d leaves", size, t.Size())
	}
	n, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("audit tree: %w", err)
	}
	return t.rehash(n)
}

// Consistency returns the RFC 6962 consistency proof between the trees of
// the first size1 and size2 leaves.
func (t *Tree) Consistency(size1, size2 uint64) ([][]byte, error) {
	if size2 > t.Size() {
		return nil, fmt.Errorf("audit tree: size %d beyond %d leaves", size2, t.Size())
	}
	n, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("audit tree: %w", err)
	}
	return t.rehash(n)
}

func (t *Tree) rehash(n proof.Nodes) ([][]byte, error) {
	hs, err := t.nodes(n.IDs)
	if err != nil {
		return nil, err
	}
	return n.Rehash(hs, HashChildren)
}

// CompactAppend appends leafHash to the compact range [0, size) given by its
// border hashes (the tree state the registry stores) and returns the new
// border and root hash.
func CompactAppend(size uint64, border [][]byte, leafHash []byte) (newBorder [][]byte, root []byte, err error) {
	rf := compact.RangeFactory{Hash: HashChildren}
	r, err := rf.NewRange(0, size, border)
	if err != nil {
		return nil, nil, fmt.Errorf("audit tree state: %w", err)
	}
	if err := r.Append(leafHash, nil); err != nil {
		return nil, nil, fmt.Errorf("audit tree state: %w", err)
	}
	root, err = r.GetRootHash(nil)
	if err != nil {
		return nil, nil, fmt.Errorf("audit tree state: %w", err)
	}
	return r.Hashes(), root, nil
}

// CompactRoot returns the root hash of the compact range [0, size) given by
// its border hashes (the empty root for size 0).
func CompactRoot(size uint64, border [][]byte) ([]byte, error) {
	if size == 0 {
		return EmptyRoot(), nil
	}
	rf := compact.RangeFactory{Hash: HashChildren}
	r, err := rf.NewRange(0, size, border)
	if err != nil {
		return nil, fmt.Errorf("audit tree state: %w", err)
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return nil, fmt.Errorf("audit tree state: %w", err)
	}
	return root, nil
}
