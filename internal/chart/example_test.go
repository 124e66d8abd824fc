package chart_test

import (
	"fmt"
	"html/template"
	"math"
	"os"
	"strings"

	"github.com/mlsec/mlsec/internal/chart"
)

// A bar chart of a metric per group, with confidence intervals and the
// policy threshold, placed in an html/template page.
func Example() {
	c := chart.BarChart{
		Title: "Selection rate by sex",
		Bars: []chart.Bar{
			{Label: "Female", Value: 0.109, Lo: 0.101, Hi: 0.118},
			{Label: "Male", Value: 0.313, Lo: 0.305, Hi: 0.322},
			{Label: "Other", Value: math.NaN(), Note: "no rows"},
		},
		Thresholds: []chart.Line{{Value: 0.25, Label: "overall"}},
	}
	page := template.Must(template.New("p").Parse(`<figure>{{.}}</figure>`))
	var b strings.Builder
	if err := page.Execute(&b, c.SVG()); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	out := b.String()
	fmt.Println(strings.HasPrefix(out, `<figure><svg xmlns="http://www.w3.org/2000/svg"`))
	fmt.Println(strings.Contains(out, `role="img"`), strings.Contains(out, ">n/a · no rows<"))
	fmt.Println(chart.Num(0.31349), chart.Num(math.NaN()))
	// Output:
	// true
	// true true
	// 0.313 n/a
}
