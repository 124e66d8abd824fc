package bom

import (
	"errors"
	"fmt"
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Output formats.
const (
	FormatCycloneDX = "cyclonedx-json"
	FormatSPDX      = "spdx-json"
)

// ErrUnsupported is returned for an output format or spec version we do not write.
var ErrUnsupported = errors.New("not supported")

// SpecVersion parses "1.6" or "1.7" ("" means 1.6).
func SpecVersion(s string) (cdx.SpecVersion, error) {
	switch s {
	case "", "1.6":
		return cdx.SpecVersion1_6, nil
	case "1.7":
		return cdx.SpecVersion1_7, nil
	}
	return 0, fmt.Errorf("CycloneDX spec version %q: %w (want 1.6 or 1.7)", s, ErrUnsupported)
}

// Encode writes b as indented JSON in the given format and spec version.
// SPDX 3.0 export is not supported yet: the only Go library for the SPDX 3
// AI profile (spdx/tools-golang v0.6.0) is a pre-release.
func Encode(w io.Writer, b *cdx.BOM, format, specVersion string) error {
	switch format {
	case "", FormatCycloneDX:
	case FormatSPDX:
		return fmt.Errorf("format %s: %w yet (SPDX 3.0 AI profile; use cyclonedx-json)", format, ErrUnsupported)
	default:
		return fmt.Errorf("format %q: %w (want %s or %s)", format, ErrUnsupported, FormatCycloneDX, FormatSPDX)
	}
	v, err := SpecVersion(specVersion)
	if err != nil {
		return err
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(b, v); err != nil {
		return fmt.Errorf("encode BOM: %w", err)
	}
	return nil
}
