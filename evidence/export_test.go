package evidence

import "testing"

// SchemaCheck validates data against docs/schemas/evidence.schema.json, for
// the external producers test.
func SchemaCheck(t *testing.T, data []byte) error {
	return schemaErr(compileSchema(t), data)
}
