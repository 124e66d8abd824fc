package pii_test

import (
	"fmt"

	"github.com/mlsec/mlsec/pii"
)

func Example() {
	a, err := pii.New()
	if err != nil {
		panic(err)
	}
	text := "Hi, I'm Maria Schmidt: card 4111 1111 1111 1111, mail maria@example.com."
	for _, s := range a.Analyze(text) {
		fmt.Printf("%s %d-%d %.2f\n", s.Entity, s.Start, s.End, s.Score)
	}
	r, err := pii.NewRedactor(a, pii.Replace{}, map[pii.Entity]pii.Operator{pii.CreditCard: pii.Mask{KeepLast: 4}})
	if err != nil {
		panic(err)
	}
	out, _, err := r.Redact(text)
	if err != nil {
		panic(err)
	}
	fmt.Println(out)
	// Output:
	// PERSON 8-21 1.00
	// CREDIT_CARD 28-47 1.00
	// EMAIL_ADDRESS 54-71 1.00
	// Hi, I'm <PERSON>: card ***************1111, mail <EMAIL_ADDRESS>.
}

func ExampleRedactor_RedactJSON() {
	a, _ := pii.New()
	r, _ := pii.NewRedactor(a, nil, nil)
	sel, _ := pii.ParseSelector("messages[*].content")
	out, res, err := r.RedactJSON([]byte(`{"id":"c1","messages":[{"role":"user","content":"I live at 10 Downing Street, London, SW1A 2AA"}]}`), sel)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	fmt.Println(res.Spans[0].Field, res.Spans[0].Entity)
	// Output:
	// {"id":"c1","messages":[{"role":"user","content":"I live at <STREET_ADDRESS>"}]}
	// messages[0].content STREET_ADDRESS
}

func ExampleStream() {
	a, _ := pii.New()
	r, _ := pii.NewRedactor(a, nil, nil)
	s := r.NewStream("", 0)
	var out string
	// An e-mail address split across three chunks of a token stream.
	for _, chunk := range []string{"Sure, write to ana.", "lopez@exa", "mple.com and I will reply within a day."} {
		o, _ := s.Push(chunk)
		out += o
	}
	o, _ := s.Close()
	fmt.Println(out + o)
	// Output:
	// Sure, write to <EMAIL_ADDRESS> and I will reply within a day.
}
