package decfloat_test

import (
	"fmt"

	"github.com/mlsec/mlsec/internal/decfloat"
)

// Scores written with a few decimals are kept in 4 bytes each and come
// back exactly; the first value that is not such a decimal moves the
// column to float64.
func Example() {
	var f decfloat.Floats
	f.AppendAll([]float64{0.25, 0.734512, 1})
	fmt.Println(f.Decimal(), f.Scale, f.Dec, f.At(1))
	f.Append(1.0 / 3)
	fmt.Println(f.Decimal(), f.Len(), f.At(1), f.At(3))
	// Output:
	// true 6 [250000 734512 1000000] 0.734512
	// false 4 0.734512 0.3333333333333333
}
