// Package loggen generates the labelled inference-log set of the PII
// quality test: JSON Lines records shaped like a model gateway's log
// (id, time, model, client, request.prompt, response.output) whose prompts
// and answers carry personal data and secrets in realistic phrasing, next
// to decoys that look like personal data but are not (versions, order
// numbers, UUIDs, hashes, ISBNs, money, cards failing Luhn, IBANs failing
// mod-97, invalid SSNs and IPs). Labels go to a separate file so a scan of
// the records never reads them.
//
// Generation is seeded (math/rand/v2 PCG): the same seed and names give the
// same bytes. People's names come from the caller (the quality test takes
// them from the presidio-research set), not from the recognizer's list, so
// name recall is not measured on the list it looks names up in.
package loggen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"
)

// Label is a labelled span: field, code point offsets, entity type (or
// decoy kind, "DECOY_...").
type Label struct {
	Field  string `json:"field"`
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Entity string `json:"entity_type"`
}

// Labels are one record's gold spans and decoys.
type Labels struct {
	ID     string  `json:"id"`
	Spans  []Label `json:"spans"`
	Decoys []Label `json:"decoys"`
}

type record struct {
	ID       string `json:"id"`
	TS       string `json:"ts"`
	Model    string `json:"model"`
	Client   string `json:"client"`
	Request  req    `json:"request"`
	Response resp   `json:"response"`
}

type req struct {
	Prompt string `json:"prompt"`
}

type resp struct {
	Output string `json:"output"`
	Tokens int    `json:"tokens"`
}

// Fields are the record fields that hold text to scan.
var Fields = []string{"request.prompt", "response.output"}

// Generate returns n records (JSON Lines) and their labels (JSON Lines, one
// line per record, same order). names are "First Last" pairs.
func Generate(seed uint64, n int, names [][2]string) (records, labels []byte) {
	return GenerateMix(seed, n, names, 1)
}

// GenerateMix is Generate where only a share of the records (0 to 1) draw
// from the templates with personal data; the others are ordinary traffic
// (questions about code, versions, numbers, timestamps, long answers), as
// most of a real inference log is. The benchmarks use it for "typical"
// log text.
func GenerateMix(seed uint64, n int, names [][2]string, share float64) (records, labels []byte) {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), names: names}
	var rb, lb bytes.Buffer
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("req-%06d", i+1)
		var lab Labels
		lab.ID = id
		pt, ot := promptTemplates, outputTemplates
		if share < 1 && g.r.Float64() >= share {
			pt, ot = plainPrompts, plainOutputs
		}
		prompt := g.fill(&lab, "request.prompt", g.pickTemplates(pt, 1+g.r.IntN(2)))
		output := g.fill(&lab, "response.output", g.pickTemplates(ot, 1))
		rec := record{
			ID: id, TS: t0.Add(time.Duration(i) * 37 * time.Second).Format(time.RFC3339),
			Model: g.pick([]string{"support-bot", "claims-triage", "hr-assistant"}), Client: fmt.Sprintf("app-%d", 1+g.r.IntN(9)),
			Request: req{Prompt: prompt}, Response: resp{Output: output, Tokens: 20 + g.r.IntN(400)},
		}
		enc := json.NewEncoder(&rb)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rec)
		if lab.Spans == nil {
			lab.Spans = []Label{}
		}
		if lab.Decoys == nil {
			lab.Decoys = []Label{}
		}
		b, _ := json.Marshal(lab)
		lb.Write(b)
		lb.WriteByte('\n')
	}
	return rb.Bytes(), lb.Bytes()
}

func (g *gen) pickTemplates(ts []string, k int) string {
	parts := make([]string, k)
	for i := range parts {
		parts[i] = ts[g.r.IntN(len(ts))]
	}
	return strings.Join(parts, " ")
}

// fill replaces the {SLOT}s of a template with drawn values and records
// their labels at code point offsets.
func (g *gen) fill(lab *Labels, field, tmpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}') + i
		b.WriteString(tmpl[:i])
		slot := tmpl[i+1 : j]
		tmpl = tmpl[j+1:]
		val, kind := g.value(slot)
		start := utf8.RuneCountInString(b.String())
		b.WriteString(val)
		end := utf8.RuneCountInString(b.String())
		if kind == "" {
			continue
		}
		l := Label{Field: field, Start: start, End: end, Entity: kind}
		if strings.HasPrefix(kind, "DECOY_") {
			lab.Decoys = append(lab.Decoys, l)
		} else {
			lab.Spans = append(lab.Spans, l)
		}
	}
}

// value draws a slot's value and its label ("" for no label).
func (g *gen) value(slot string) (string, string) {
	switch slot {
	case "EMAIL":
		return g.email(), "EMAIL_ADDRESS"
	case "PHONE":
		return g.phone(), "PHONE_NUMBER"
	case "CARD":
		return g.card(false), "CREDIT_CARD"
	case "IBAN":
		return g.iban(false), "IBAN_CODE"
	case "SSN":
		return g.ssn(), "US_SSN"
	case "IP":
		return g.ip(), "IP_ADDRESS"
	case "DOB":
		return g.date(1940, 2006), "DATE_OF_BIRTH"
	case "DATE":
		return g.date(2020, 2027), "DATE_TIME"
	case "ADDRESS":
		return g.address(), "STREET_ADDRESS"
	case "PERSON":
		f, l := g.person()
		return f + " " + l, "PERSON"
	case "FIRST":
		f, _ := g.person()
		return f, "PERSON"
	case "SECRET":
		return g.secret(), "SECRET"
	case "PASSWORD":
		return g.alnum(8+g.r.IntN(8), base62+"!#%"), "SECRET"
	case "APIKEY":
		return g.alnum(32, hexLow), "SECRET"
	case "D_VERSION":
		return g.pick([]string{
			fmt.Sprintf("v%d.%d.%d", g.r.IntN(5), g.r.IntN(20), g.r.IntN(30)),
			fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(9), g.r.IntN(10), g.r.IntN(10), g.r.IntN(300)),
			fmt.Sprintf("%d.%d.%d", g.r.IntN(5), g.r.IntN(20), g.r.IntN(30)),
		}), "DECOY_VERSION"
	case "D_ORDER":
		return g.pick([]string{
			"ORD-" + g.digits(7), "#" + g.digits(8), fmt.Sprintf("A-%d-%s", 2020+g.r.IntN(6), g.digits(5)), g.digits(10),
		}), "DECOY_ORDER"
	case "D_UUID":
		return g.uuid(), "DECOY_UUID"
	case "D_HASH":
		return g.alnum([]int{32, 40, 64}[g.r.IntN(3)], hexLow), "DECOY_HASH"
	case "D_ISBN":
		return g.isbn13(), "DECOY_ISBN"
	case "D_MONEY":
		return g.money(), "DECOY_MONEY"
	case "D_BADCARD":
		return g.card(true), "DECOY_BAD_CARD"
	case "D_BADIBAN":
		return g.iban(true), "DECOY_BAD_IBAN"
	case "D_BADSSN":
		return g.badSSN(), "DECOY_BAD_SSN"
	case "D_BADIP":
		return g.badIP(), "DECOY_BAD_IP"
	case "N":
		return fmt.Sprint(2 + g.r.IntN(30)), ""
	}
	panic("loggen: unknown slot " + slot)
}
