package manifest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Hash algorithm names as they are recorded in OMS serialization.hash_type.
const (
	SHA256  = "sha256"
	BLAKE2b = "blake2b" // BLAKE2b-512
	BLAKE3  = "blake3"  // BLAKE3 with a 32-byte output
)

// DefaultShardSize is the reference shard size: 1,000,000,000 bytes.
const DefaultShardSize int64 = 1_000_000_000

// DefaultIgnorePaths are excluded unless Options.KeepGitPaths, matched at
// the top level of the model root only, exactly like the reference's
// ignore_git_paths default.
var DefaultIgnorePaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// Sentinel errors; the returned errors wrap them and name the offending path.
var (
	ErrSymlink         = errors.New("symbolic link not allowed")
	ErrSpecialFile     = errors.New("not a regular file or directory")
	ErrNoFiles         = errors.New("no files to hash")
	ErrUnknownHash     = errors.New("unknown hash algorithm")
	ErrInvalidIgnore   = errors.New("invalid ignore path")
	ErrInvalidShard    = errors.New("invalid shard name")
	ErrUnsupportedMode = errors.New("unsupported serialization")
	ErrInvalidName     = errors.New("file name is not valid UTF-8")
)

// Options controls Hash.
type Options struct {
	// Algorithm is "sha256" (default), "blake2b" or "blake3".
	Algorithm string
	// ShardSize > 0 selects shards mode; 0 selects files mode.
	ShardSize int64
	// IgnorePaths are slash paths relative to the model root (a directory
	// excludes its whole subtree). DefaultIgnorePaths are added unless
	// KeepGitPaths.
	IgnorePaths []string
	// KeepGitPaths hashes .git, .gitattributes, .github and .gitignore too
	// (the reference's --no-ignore-git-paths).
	KeepGitPaths bool
	// AllowSymlinks hashes a symlinked file's target content under the
	// link's name. Symlinks to directories are always rejected.
	AllowSymlinks bool
	// Workers bounds the number of concurrent readers; 0 means GOMAXPROCS.
	Workers int
	// Progress, if set, is called (serially) as bytes are hashed.
	Progress func(doneBytes, totalBytes int64)
	// Include, if set, restricts hashing to relative paths for which it
	// returns true (used to verify only the files a signature lists).
	Include func(relPath string) bool
	// Listed, if set, names the files a signature lists: they are hashed
	// even if they are attachments, so a bundle that signed one (as mlsec
	// before the attachment rule did) still verifies and still covers it.
	Listed func(relPath string) bool
	// Reuse holds digests computed earlier in this run for the same root
	// (files mode, same algorithm): a file whose name and size match is not
	// read again. This is how one command hashes a model once for its
	// identity, its BOM and its signature check.
	Reuse *Manifest
}

// Item is one hashed resource.
type Item struct {
	// Name is the slash path relative to the model root; for a single-file
	// model it is the file's base name. In shards mode it is "path:start:end".
	Name   string
	Digest []byte
	// Size is the number of bytes hashed (the shard length in shards mode).
	Size int64
}

// Manifest is the result of hashing a model.
type Manifest struct {
	Algorithm string
	ShardSize int64 // 0 in files mode
	Items     []Item
	// IgnorePaths is the effective, sorted ignore list (defaults included),
	// as a signer records it in serialization.ignore_paths: the caller's
	// paths, the attachments found and SignatureFile (unless it is a model
	// file), so other OMS verifiers leave out what mlsec left out.
	IgnorePaths   []string
	AllowSymlinks bool
	// Root is the model path hashed, with a symbolic link at the top
	// resolved (Reuse checks it).
	Root string
	// SingleFile is true when the model is one file, not a folder.
	SingleFile bool
	// Attachments are the files left out as mlsec attachments.
	Attachments []Attachment
	// Warnings are the OMS §6.1.1 warnings: followed links whose target
	// lies outside the model.
	Warnings []string
}

// RootDigest returns SHA-256 over the concatenated raw item digests, in item
// order. It is always SHA-256, whatever Algorithm is.
func (m *Manifest) RootDigest() []byte {
	h := sha256.New()
	for _, it := range m.Items {
		h.Write(it.Digest)
	}
	return h.Sum(nil)
}

// Sort orders items by name in Unicode code-point order, as OMS v1.0 §5.2.1
// requires of signers (Go compares strings bytewise, which is the same order
// for valid UTF-8).
func (m *Manifest) Sort() {
	sort.Slice(m.Items, func(i, j int) bool { return m.Items[i].Name < m.Items[j].Name })
}

// ShardName formats a shard resource name.
func ShardName(path string, start, end int64) string {
	return path + ":" + strconv.FormatInt(start, 10) + ":" + strconv.FormatInt(end, 10)
}

// ParseShardName splits "path:start:end". The path itself may contain colons,
// so the last two colon-separated fields are taken as the offsets.
func ParseShardName(name string) (path string, start, end int64, err error) {
	j := strings.LastIndexByte(name, ':')
	if j < 0 {
		return "", 0, 0, fmt.Errorf("%w: %q", ErrInvalidShard, name)
	}
	i := strings.LastIndexByte(name[:j], ':')
	if i < 0 {
		return "", 0, 0, fmt.Errorf("%w: %q", ErrInvalidShard, name)
	}
	start, err1 := strconv.ParseInt(name[i+1:j], 10, 64)
	end, err2 := strconv.ParseInt(name[j+1:], 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return "", 0, 0, fmt.Errorf("%w: %q", ErrInvalidShard, name)
	}
	return name[:i], start, end, nil
}

// ValidateIgnorePath checks an ignore entry the way the spec constrains
// them: relative, no "..", no glob characters.
func ValidateIgnorePath(p string) error {
	switch {
	case p == "" || p == ".":
		return fmt.Errorf("%w: %q is empty", ErrInvalidIgnore, p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: %q must be relative to the model root", ErrInvalidIgnore, p)
	case strings.ContainsAny(p, "*?["):
		return fmt.Errorf("%w: %q contains a glob character", ErrInvalidIgnore, p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("%w: %q contains \"..\"", ErrInvalidIgnore, p)
		}
	}
	return nil
}

// Identity returns the digest that identifies a model's exact bytes across
// mlsec (evidence subjects, BOM hashes, registry versions): the OMS root
// digest in files mode with SHA-256 over the model's files, that is every
// regular file except DefaultIgnorePaths, attachments (see IsAttachment)
// and ignore.
func Identity(ctx context.Context, path string, ignore []string) ([]byte, error) {
	m, err := Hash(ctx, path, Options{Algorithm: SHA256, IgnorePaths: ignore})
	if err != nil {
		return nil, err
	}
	return m.RootDigest(), nil
}
