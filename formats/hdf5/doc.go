// Package hdf5 is a minimal, strict, read-only HDF5 reader: the superblock,
// object headers, attributes and the group tree, but not dataset data.
//
// We wrote our own rather than bind libhdf5 (cgo) or port h5py because a
// scanner needs only the metadata (Keras keeps its model config in root
// attributes), must never run the HDF5 filter pipeline or plugins on hostile
// input, and must refuse anything it cannot verify. Every offset and length
// is checked against the file size before use, every structure that links
// to another (continuation blocks, B-tree nodes, heap blocks, hard links) is
// followed with a visited set and a depth bound, and unsupported features
// are errors, never silently skipped.
package hdf5
