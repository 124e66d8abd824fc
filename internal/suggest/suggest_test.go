package suggest

import "testing"

func TestNearest(t *testing.T) {
	t.Parallel()
	keys := []string{"bom_min_score", "blocking_severities", "max"}
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"bom_min_scor", 4, "bom_min_score"},
		{"maxx", 1, "max"},
		{"colour", 2, ""},
		{"", 0, ""},
	}
	for _, c := range cases {
		if got := Nearest(c.in, keys, c.max); got != c.want {
			t.Errorf("Nearest(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance = %d", d)
	}
}
