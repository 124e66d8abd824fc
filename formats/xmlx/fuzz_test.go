package xmlx

import (
	"bytes"
	"testing"
)

// FuzzCheck: any input ends in a Doc and an error or nil, within the
// limits, without panicking.
func FuzzCheck(f *testing.F) {
	seeds := []string{
		`<?xml version="1.0"?>` + pmmlBody,
		`<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PMML>&xxe;</PMML>`,
		`<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY % dtd SYSTEM "http://x/d.dtd"> %dtd; <!-- c --> <?pi x?>]><PMML/>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "&b;&b;"><!ENTITY b "&c;&c;"><!ENTITY c "x"><!ENTITY n SYSTEM "x" NDATA gif>]><r a="&a;">&a;</r>`,
		`<?xml version="1.0"?><!DOCTYPE r PUBLIC "-//p" "http://x"><r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="a"/></r>`,
		`<!DOCTYPE r [<!ELEMENT r (#PCDATA)><!ATTLIST r a CDATA "x>y">]><r/>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _ := Check(bytes.NewReader(b), int64(len(b)), Limits{MaxDepth: 200, MaxTokens: 100_000})
		if d == nil {
			t.Fatal("nil Doc")
		}
		for _, is := range d.Issues {
			if is.Offset < 0 || is.Offset > int64(len(b)) {
				t.Fatalf("issue offset %d outside the input", is.Offset)
			}
		}
	})
}
