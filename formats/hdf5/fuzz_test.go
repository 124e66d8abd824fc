package hdf5

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzHDF5(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.h5")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) <= 20<<10 {
			f.Add(b)
		}
	}
	f.Add(h5w{attrs: []h5attr{{name: "model_config", value: "{}"}}}.bytes())
	f.Add(h5w{sbVersion: 1, userblock: 512, cont: true, attrs: []h5attr{{name: "a", value: "b", padding: 2}}}.bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := openBytes(t, data)
		if err != nil {
			return
		}
		_ = h.Walk(func(o *Object) error {
			for _, a := range o.Attrs {
				if a.IsString() {
					_, _ = a.Strings()
				}
			}
			return nil
		})
	})
}
