package registry

import (
	"context"
	"fmt"
)

// Pushed datasets ('mlsec data push', docs/data.md "Pushing small
// datasets"): a registered dataset version whose files' bytes are also
// kept in the registry's blob store, under their SHA-256 like model files,
// so 'mlsec data pull' gets them back. The version's manifest says which
// bytes belong to it: an upload is accepted only for a path the version
// lists, only with exactly that file's size and digest (the blob store
// verifies both before anything is recorded), and only while the version's
// total size is within MaxPushedDataset. Large data is registered, not
// pushed: its bytes stay where they are (allowed_locations).

// MaxPushedDataset bounds the total size of a dataset version whose bytes
// the registry keeps (each file is also bounded by the blob store's limit,
// as model files are).
const MaxPushedDataset int64 = 1 << 30

// DatasetFileTarget resolves the file at path of dataset version name@number
// for an upload (write permission) or a download (read), in the actor's
// scope. An upload of a version larger than MaxPushedDataset is
// ErrTooLarge, saying to register large data instead.
func (s *Service) DatasetFileTarget(ctx context.Context, a Actor, name string, number int, path string, upload bool) (DatasetFile, error) {
	perm := PermRead
	if upload {
		perm = PermWrite
	}
	if err := require(a, perm, nil); err != nil {
		return DatasetFile{}, err
	}
	v, err := s.GetDatasetVersion(ctx, a, name, number)
	if err != nil {
		return DatasetFile{}, err
	}
	var total int64
	var found *DatasetFile
	for i := range v.Files {
		total += v.Files[i].Size
		if v.Files[i].Path == path {
			found = &v.Files[i]
		}
	}
	if found == nil {
		return DatasetFile{}, fmt.Errorf("%w: dataset version %s has no file %q", ErrNotFound, v.Ref(), path)
	}
	if upload && total > MaxPushedDataset {
		return DatasetFile{}, fmt.Errorf("%w: dataset version %s is %d bytes; the registry keeps the bytes of datasets up to %d bytes: register large data with 'mlsec data register' (its bytes stay where they are)",
			ErrTooLarge, v.Ref(), total, MaxPushedDataset)
	}
	return *found, nil
}
