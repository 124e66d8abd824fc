// Package decfloat stores a column of float64 values in half the memory
// when that is exact, which it is for the numbers tables usually hold:
// decimals written with a few places (scores 0.734512, amounts 12.50).
//
// Such a value v is kept as an int32 mantissa m at a scale k shared by the
// column, v = m / 10^k. Decoding is exact: strconv.ParseFloat returns the
// correctly rounded value of m/10^k, and so does the IEEE division
// float64(m) / 1e k, both operands being exactly representable (|m| <
// 2^31, k <= 9). Each value is checked on the way in (decoding must give
// it back bit for bit, so -0 and any value that is not such a decimal are
// refused), and the first refused value moves the whole column to
// float64, 8 bytes a value.
//
// Limits: at most 9 decimal places and mantissas under 2^31 (|v| < 2.1 at
// 9 places, < 21,474,836.47 at 2). Used by drift (kept values) and
// fairness (scores).
package decfloat
