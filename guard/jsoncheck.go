package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DefaultMaxJSONBytes bounds a streamed answer held back for validation.
const DefaultMaxJSONBytes = 1 << 20

// maxRequestSchema bounds a schema a request declares in response_format,
// and maxSchemaCache the compiled ones kept.
const (
	maxRequestSchema = 64 << 10
	maxSchemaCache   = 256
)

// jsonCheck validates answers against the route's schema, or the one a
// request declares.
type jsonCheck struct {
	action      Action
	route       *jsonschema.Schema // nil: any JSON value
	fromRequest bool
	maxBytes    int

	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
}

// answerSpec is what one request's answers must be.
type answerSpec struct {
	schema *jsonschema.Schema
	object bool   // json_object: any JSON object
	source string // "route" or "request"
}

// noLoader refuses every external reference: a schema may not make the
// guard read files or the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external schema reference %q is not allowed", url)
}

func compileSchema(doc []byte) (*jsonschema.Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	const id = "mlsec:answer.schema.json"
	if err := c.AddResource(id, v); err != nil {
		return nil, err
	}
	return c.Compile(id)
}

func newJSONCheck(c *JSONConfig) (*jsonCheck, error) {
	if c == nil {
		return nil, nil
	}
	act, err := action("answer_json", c.Action, Block, Block, Flag)
	if err != nil {
		return nil, err
	}
	j := &jsonCheck{action: act, fromRequest: c.FromRequest, maxBytes: c.MaxBytes, cache: map[string]*jsonschema.Schema{}}
	if j.maxBytes <= 0 {
		j.maxBytes = DefaultMaxJSONBytes
	}
	if c.Schema != "" {
		if j.route, err = compileSchema([]byte(c.Schema)); err != nil {
			return nil, fmt.Errorf("%w: answer_json schema: %v", ErrConfig, err)
		}
	}
	return j, nil
}

// spec decides what one request's answers must be: the request's
// response_format when the route honours it, else the route's schema.
func (j *jsonCheck) spec(rf *responseFormat) (*answerSpec, error) {
	if j == nil {
		return nil, nil
	}
	if j.fromRequest && rf != nil {
		switch rf.Type {
		case "json_object":
			return &answerSpec{object: true, source: "request"}, nil
		case "json_schema":
			if rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0 {
				return nil, errors.New("response_format json_schema has no schema")
			}
			if len(rf.JSONSchema.Schema) > maxRequestSchema {
				return nil, fmt.Errorf("response_format schema is over %d bytes", maxRequestSchema)
			}
			s, err := j.compiled(rf.JSONSchema.Schema)
			if err != nil {
				return nil, fmt.Errorf("response_format schema: %v", err)
			}
			return &answerSpec{schema: s, source: "request"}, nil
		}
	}
	return &answerSpec{schema: j.route, source: "route"}, nil
}

func (j *jsonCheck) compiled(doc []byte) (*jsonschema.Schema, error) {
	key := string(doc)
	j.mu.Lock()
	s, ok := j.cache[key]
	j.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := compileSchema(doc)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	if len(j.cache) >= maxSchemaCache {
		clear(j.cache)
	}
	j.cache[key] = s
	j.mu.Unlock()
	return s, nil
}

// check validates an answer; it returns the rule ("syntax" or "schema")
// and a detail without content when the answer fails.
func (sp *answerSpec) check(text string) (rule, detail string, ok bool) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(text)))
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return "syntax", fmt.Sprintf("not JSON (syntax error at byte %d)", se.Offset), false
		}
		return "syntax", "not JSON", false
	}
	if sp.object {
		if _, isObj := v.(map[string]any); !isObj {
			return "syntax", "not a JSON object", false
		}
	}
	if sp.schema != nil {
		if err := sp.schema.Validate(v); err != nil {
			var ve *jsonschema.ValidationError
			if errors.As(err, &ve) {
				return "schema", "fails the " + sp.source + " schema at keyword " + location(ve), false
			}
			return "schema", "fails the " + sp.source + " schema", false
		}
	}
	return "", "", true
}

// location names the schema keyword that failed (a JSON pointer into
// the schema, never into the answer, whose keys may be data).
func location(ve *jsonschema.ValidationError) string {
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	if _, frag, ok := strings.Cut(ve.SchemaURL, "#"); ok && frag != "" {
		return frag
	}
	return "/"
}
