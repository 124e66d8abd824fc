package xmlx_test

import (
	"fmt"
	"strings"

	"github.com/mlsec/mlsec/formats/xmlx"
)

// A PMML file with an external entity: Check reports what a resolving
// parser would fetch, and resolves nothing itself.
func ExampleCheck() {
	doc := `<?xml version="1.0"?>
<!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PMML version="4.4"><Header description="&xxe;"/></PMML>`
	d, err := xmlx.Check(strings.NewReader(doc), int64(len(doc)), xmlx.Limits{})
	fmt.Println(d.Root, err)
	for _, is := range d.Issues {
		fmt.Println(is.Kind == xmlx.External, is.Name)
		fmt.Println(is.Detail)
	}
	// Output:
	// PMML <nil>
	// true xxe
	// external entity &xxe; = "file:///etc/passwd": a resolving parser reads that file or URL into the document (XXE)
}
