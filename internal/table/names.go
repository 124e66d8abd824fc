package table

import (
	"strconv"
	"strings"
)

// quoteList renders names as "a", "b", … with at most n shown.
func quoteList(names []string, n int) string {
	if len(names) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, s := range names {
		if i == n {
			b.WriteString(", … (" + strconv.Itoa(len(names)-n) + " more)")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(s))
	}
	return b.String()
}

// closest returns the name in have that is nearest to name (case
// differences first, then at most a third of the letters edited), or "".
func closest(name string, have []string) string {
	for _, h := range have {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
			return h
		}
	}
	best, bestD := "", max(1, len([]rune(name))/3)+1
	for _, h := range have {
		if d := editDistance(strings.ToLower(name), strings.ToLower(h)); d < bestD {
			best, bestD = h, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		return max(len(ra), len(rb)) // not worth comparing; never a suggestion
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
