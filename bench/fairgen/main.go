// Command fairgen writes a synthetic predictions table for bench/fairness.sh:
// N rows of y_true, y_pred (0/1), score, sex (2 values) and race (5 values,
// one rare), deterministic for a seed, with labels and scores that depend on
// the groups so the metrics are not trivial.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	n := flag.Int("rows", 1_000_000, "rows to write")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("o", "", "output CSV file")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: fairgen -rows N -o FILE.csv")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(*seed, 2))
	sexes := []string{"Female", "Male"}
	races := []string{"White", "Black", "Asian-Pac-Islander", "Other", "Amer-Indian-Eskimo"}
	fmt.Fprintln(w, "y_true,y_pred,score,sex,race")
	buf := make([]byte, 0, 64)
	for range *n {
		s := r.IntN(2)
		rc := 0
		switch u := r.Float64(); {
		case u < 0.1:
			rc = 1
		case u < 0.14:
			rc = 2
		case u < 0.16:
			rc = 3
		case u < 0.165:
			rc = 4
		}
		p := 0.2 + 0.1*float64(s) - 0.02*float64(rc)
		yt := r.Float64() < p
		score := 0.5*p + 0.3*r.Float64()
		if yt {
			score += 0.3
		}
		buf = buf[:0]
		buf = strconv.AppendInt(buf, b2i(yt), 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, b2i(score > 0.5), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, score, 'f', 6, 64)
		buf = append(buf, ',')
		buf = append(buf, sexes[s]...)
		buf = append(buf, ',')
		buf = append(buf, races[rc]...)
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
