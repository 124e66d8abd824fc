// Package npy parses the header of NumPy .npy files.
//
// NumPy stores the header as a Python dict literal, which np.load reads
// with ast.literal_eval. We parse it with a tiny strict parser of our own
// instead of executing or evaluating anything: it accepts exactly the
// literal forms numpy writes, bounds nesting and size, and computes the
// array's data size so callers can check it against the file without
// reading the data. Object arrays (dtype 'O') are stored as a pickle after
// the header; Header.HasObject tells callers to analyse it.
package npy
