package guard

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// MaxSSELine bounds one line of a server-sent event stream the guard
// reads; a longer line ends the stream (fail closed).
const MaxSSELine = 1 << 20

// ErrStreamEnded is returned by FilterSSE when it ended the stream itself,
// after writing the final event (a block decision, or an upstream stream
// it could not read).
var ErrStreamEnded = errors.New("guard: stream ended by the guard")

// FilterSSE copies an OpenAI chat completion stream (server-sent events,
// "data: {chunk}" lines ending with "data: [DONE]") from src to dst,
// running each choice's content deltas through a StreamChecker and
// rewriting them with what the checker lets through. When a block
// decision fires, or the upstream sends what the guard cannot read, it
// writes a final chunk whose finish_reason is "content_filter" and whose
// "mlsec_guard" field names the scanner and rule, then "data: [DONE]",
// and returns ErrStreamEnded. dst is flushed after every event when it
// is an http.Flusher-like writer (a Flush() method). The verdict holds
// every decision of every choice.
func (x *Exchange) FilterSSE(dst io.Writer, src io.Reader) (Verdict, error) {
	f := &sseFilter{x: x, dst: dst, checkers: map[int]*StreamChecker{}}
	err := f.run(src)
	var v Verdict
	idx := make([]int, 0, len(f.checkers))
	for i := range f.checkers {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		for _, d := range f.checkers[i].Verdict().Decisions {
			d.Where = fmt.Sprintf("choices[%d].delta.content", i)
			v.add(d)
		}
	}
	for _, d := range f.extra {
		v.add(d)
	}
	return v, err
}

type sseFilter struct {
	x        *Exchange
	dst      io.Writer
	checkers map[int]*StreamChecker
	last     map[string]json.RawMessage // the last chunk, for the final event's id and model
	extra    []Decision
}

func (f *sseFilter) checker(i int) *StreamChecker {
	c, ok := f.checkers[i]
	if !ok {
		c = f.x.NewStreamChecker()
		f.checkers[i] = c
	}
	return c
}

func (f *sseFilter) write(b []byte) error {
	if _, err := f.dst.Write(b); err != nil {
		return err
	}
	if fl, ok := f.dst.(interface{ Flush() }); ok {
		fl.Flush()
	}
	return nil
}

func (f *sseFilter) run(src io.Reader) error {
	r := bufio.NewReaderSize(src, 64<<10)
	for {
		line, err := readLine(r)
		if err == io.EOF {
			// The upstream ended without [DONE]: write what was held and
			// end the stream properly.
			if err := f.flush(); err != nil {
				return err
			}
			return f.write([]byte("data: [DONE]\n\n"))
		}
		if err != nil {
			return f.end(Decision{Scanner: ScannerGuard, Rule: "unreadable", Action: Block, Stage: "stream", Detail: err.Error()})
		}
		data, isData := bytes.CutPrefix(line, []byte("data:"))
		if !isData {
			if err := f.write(append(line, '\n')); err != nil {
				return err
			}
			continue
		}
		data = bytes.TrimSpace(data)
		if string(data) == "[DONE]" {
			if err := f.flush(); err != nil {
				return err
			}
			if err := f.write([]byte("data: [DONE]\n\n")); err != nil {
				return err
			}
			return nil
		}
		if err := f.chunk(data); err != nil {
			return err
		}
	}
}

// readLine reads one line without its end, bounded by MaxSSELine.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > MaxSSELine {
			return nil, fmt.Errorf("event line over %d bytes", MaxSSELine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			break
		}
		if err != nil {
			return nil, err
		}
		break
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

type sseChoice = map[string]json.RawMessage

// chunk checks one chat.completion.chunk and writes it rewritten.
func (f *sseFilter) chunk(data []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil || top == nil {
		return f.end(Decision{Scanner: ScannerGuard, Rule: "unreadable", Action: Block, Stage: "stream", Detail: "event data is not a JSON object"})
	}
	f.last = top
	var choices []sseChoice
	if raw, ok := top["choices"]; ok {
		if json.Unmarshal(raw, &choices) != nil {
			return f.end(Decision{Scanner: ScannerGuard, Rule: "unreadable", Action: Block, Stage: "stream", Detail: "choices is not an array of objects"})
		}
	}
	for k, ch := range choices {
		var idx int
		_ = json.Unmarshal(ch["index"], &idx)
		c := f.checker(idx)
		var delta map[string]json.RawMessage
		_ = json.Unmarshal(ch["delta"], &delta)
		var content string
		if raw, ok := delta["content"]; ok && string(raw) != "null" {
			if json.Unmarshal(raw, &content) != nil {
				return f.end(Decision{Scanner: ScannerGuard, Rule: "unreadable", Action: Block, Stage: "stream", Detail: "delta content is not a string"})
			}
		}
		out := c.Push(content)
		if fr, ok := ch["finish_reason"]; ok && string(fr) != "null" {
			out += c.Close()
		}
		if c.Stopped() {
			return f.end(*c.Verdict().Blocking())
		}
		if delta != nil {
			if _, had := delta["content"]; had || out != "" {
				delta["content"] = marshal(out)
			}
			ch["delta"] = marshal(delta)
		}
		choices[k] = ch
	}
	if choices != nil {
		top["choices"] = marshal(choices)
	}
	b := marshal(top)
	return f.write(append(append([]byte("data: "), b...), '\n', '\n'))
}

// flush closes every open checker and writes what they held as one
// chunk.
func (f *sseFilter) flush() error {
	var choices []sseChoice
	idx := make([]int, 0, len(f.checkers))
	for i := range f.checkers {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		c := f.checkers[i]
		out := c.Close()
		if c.Stopped() {
			return f.end(*c.Verdict().Blocking())
		}
		if out != "" {
			content := marshal(out)
			choices = append(choices, sseChoice{"index": json.RawMessage(fmt.Sprint(i)),
				"delta": json.RawMessage(`{"content":` + string(content) + `}`), "finish_reason": json.RawMessage("null")})
		}
	}
	if len(choices) == 0 {
		return nil
	}
	return f.write(f.event(choices, nil))
}

// event builds a chunk like the upstream's last one with the given
// choices.
func (f *sseFilter) event(choices []sseChoice, guard *Decision) []byte {
	top := map[string]json.RawMessage{"object": json.RawMessage(`"chat.completion.chunk"`)}
	for _, k := range []string{"id", "created", "model", "system_fingerprint"} {
		if v, ok := f.last[k]; ok {
			top[k] = v
		}
	}
	top["choices"] = marshal(choices)
	if guard != nil {
		top["mlsec_guard"] = marshal(map[string]string{"scanner": guard.Scanner, "rule": guard.Rule,
			"message": "the answer was stopped by the gateway's guard"})
	}
	b := marshal(top)
	return append(append([]byte("data: "), b...), '\n', '\n')
}

// end writes the final content_filter event and [DONE].
func (f *sseFilter) end(d Decision) error {
	if d.Scanner == ScannerGuard {
		f.extra = append(f.extra, d)
	}
	var choices []sseChoice
	idx := make([]int, 0, len(f.checkers))
	for i := range f.checkers {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	if len(idx) == 0 {
		idx = []int{0}
	}
	for _, i := range idx {
		choices = append(choices, sseChoice{"index": json.RawMessage(fmt.Sprint(i)), "delta": json.RawMessage(`{}`),
			"finish_reason": json.RawMessage(`"content_filter"`)})
	}
	if err := f.write(f.event(choices, &d)); err != nil {
		return err
	}
	if err := f.write([]byte("data: [DONE]\n\n")); err != nil {
		return err
	}
	return ErrStreamEnded
}
