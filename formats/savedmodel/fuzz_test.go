package savedmodel

import (
	"bytes"
	"testing"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

func FuzzSavedModel(f *testing.F) {
	f.Add([]byte(tf2Model()))
	f.Add([]byte(tf1Model(nodeDef("py", "PyFunc", strAttr("token", "pyfunc_0")))))
	f.Add([]byte(graphDef([]pb{nodeDef("a", "ReadFile")})))
	f.Add([]byte(pb{}.M(1, pb{}.S(3, "root").S(4, "_tf_keras_model").S(5, "{}"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(bytes.NewReader(b), int64(len(b)), Options{
			Limits: pbwalk.Limits{MaxFields: 100000},
			Keep:   func(string) bool { return true },
		})
		if err == nil && m.Kind == KindUnknown {
			t.Fatal("parsed an unknown kind")
		}
	})
}
