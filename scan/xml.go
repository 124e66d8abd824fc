package scan

import (
	"fmt"
	"io"

	"github.com/mlsec/mlsec/formats/xmlx"
)

// XML model files: PMML (scored by JPMML, pypmml, nyoka), OpenVINO IR and
// any other XML a loader parses. Their risk is the parser, not code in the
// model: external entities, XInclude and entity bombs (XML001 to XML003).

func init() { registerHandler(FormatXML, scanXML) }

var xmlRules = map[xmlx.Kind]string{
	xmlx.External:  "XML001",
	xmlx.XInclude:  "XML002",
	xmlx.Expansion: "XML003",
}

func scanXML(fs *fileScan, b *blob) error {
	doc, err := xmlx.Check(io.NewSectionReader(b.r, 0, b.size), b.size, xmlx.Limits{})
	switch doc.Root {
	case "PMML":
		b.format = FormatPMML
	case "net":
		b.format = FormatOpenVINO
	}
	for _, is := range doc.Issues {
		fs.emit(b, Finding{RuleID: xmlRules[is.Kind], Offset: is.Offset, Argument: is.Name, Message: is.Detail})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", b.format, err)
	}
	return nil
}
