package table_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlsec/mlsec/internal/table"
)

// Stream rows, then load typed columns.
func Example() {
	in := "age,sex,income\n39, Male, <=50K\n50, Female, >50K\n28, ?, <=50K\n"
	opt := table.Options{TrimLeadingSpace: true, NullValues: []string{"?"}}

	rd, err := table.NewReader(strings.NewReader(in), "adult.csv", opt)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rd.Close()
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		age, sex := row.Cells[0], row.Cells[1]
		fmt.Printf("line %d: age %v (int %v), sex %q null %v\n", row.Line, age.Num, age.Int, sex.Raw, sex.Null)
	}

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "adult.csv")
	_ = os.WriteFile(path, []byte(in), 0o600)
	fr, err := table.ReadFrame(path, opt)
	if err != nil {
		fmt.Println(err)
		return
	}
	sex, _ := fr.Column("sex")
	fmt.Println(fr.Rows, "rows; sex is", sex.Kind, "with", sex.Unique(), "values", sex.Dict, "and", sex.Nulls, "null")

	_, err = table.ReadFrame(path, table.Options{Columns: []string{"gender"}})
	fmt.Println(errors.Is(err, table.ErrMissingColumn), strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	// Output:
	// line 2: age 39 (int true), sex "Male" null false
	// line 3: age 50 (int true), sex "Female" null false
	// line 4: age 28 (int true), sex "" null true
	// 3 rows; sex is string with 2 values [Male Female] and 1 null
	// true adult.csv: column "gender": no such column: available: "age", "sex", "income"
}
