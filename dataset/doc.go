// Package dataset governs training data as an artifact, the way the rest of
// mlsec governs models. It backs 'mlsec data'.
//
// # What a dataset holds (Scan)
//
// Scan walks a file, a folder, or a ZIP or tar archive (tar members are
// streamed; links and devices in it are reported, never followed) of
// tables (CSV, TSV, JSON Lines, Parquet, each optionally gzip-compressed)
// and plain text, and
// reports per column (or JSON path, or "text" for plain text):
//
//   - the personal data and secrets found, per entity type, with the number
//     of cells holding each and the share of rows, using the pii package's
//     recognizers (pii.CellScanner: the same engine as the gateway and
//     'mlsec pii');
//   - a few sample values, only ever redacted (every span replaced by its
//     entity type, then cut to 60 characters), so a report is safe to share;
//   - whether the column is a sensitive attribute (sex, gender, race,
//     ethnicity, religion, health, disability, age or date of birth, marital
//     status, nationality, sexual orientation, postcode), from its name or
//     from its values, with the reason: the fairness checks take these as
//     their sensitive features.
//
// Tables are streamed through internal/table (one row at a time), so memory
// is bounded on any file size; a column's distinct values are kept only up
// to a small cap for the sensitive-attribute check.
//
// Fail closed: a file that cannot be fully read (unreadable, ragged CSV, a
// corrupt Parquet footer, an archive over the scanner's limits, a format we
// do not read) is reported with its error and counted; the scan goes on
// with the other files, and the command exits 2 so nothing is silently
// skipped. Archive limits are the scanner's (scan.DefaultLimits: entries,
// expanded bytes, compression ratio); a nested archive is not opened and
// is reported as not analysed.
//
// # What changed between versions (DiffFiles, DiffTable)
//
// DiffFiles compares two versions' file lists by path and digest. DiffTable
// compares two versions of a table: rows (as multisets of row hashes over
// the common columns), columns added, removed and retyped, and drift of
// the common columns with package drift. Unlike Scan it loads each side as
// a compact frame, so its memory grows with the tables.
//
// # Where copies of a dataset are (Locate)
//
// A Descriptor is what mlsec records about one dataset version: its name,
// owner, classification, allowed locations (URI prefixes) and its files
// with their sizes and SHA-256 digests, hashed as OMS model signing hashes
// a model (manifest.Hash in files mode), so its root digest is the digest
// 'mlsec sign' signs. Locate lists a folder or a bucket (gocloud.dev/blob:
// file://, s3://, the registry's blob layer) and reports every object
// whose content equals a file of a described dataset, and whether its
// location is one the dataset allows. It hashes as little as it can: an
// object whose size matches no dataset file is never read; one that does
// has its first 64 KiB hashed and compared with the file's prefix digest;
// only then is the whole object hashed. That cascade is why a large tree is
// cheap to search (bench/data.sh measures it).
//
// # Limits
//
// The registry does not store descriptors yet: today they are files written
// by 'mlsec data manifest'. Dataset approvals, the policy that blocks
// promotion of a model trained on unapproved data, and dataset diffs are
// not built yet (docs/data.md "Not done yet").
package dataset
