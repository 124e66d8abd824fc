// Package benchzip writes large PyTorch-style checkpoint ZIPs for
// benchmarks. Storages are zeros written as file holes, so a 1.5 GB
// archive takes a fraction of a second and almost no disk.
package benchzip
