package scan

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/mlsec/mlsec/formats/onnx"
	"github.com/mlsec/mlsec/formats/pbwalk"
	"github.com/mlsec/mlsec/formats/savedmodel"
)

// ONNX models are protobuf ModelProto files: no magic, so a prober does a
// trial parse of the top level.
func init() {
	registerProber(FormatONNX, func(b *blob, _ []byte) bool { return onnx.Probe(b.r, b.size) })
	registerHandler(FormatONNX, scanONNX)
}

func scanONNX(fs *fileScan, b *blob) error {
	m, err := onnx.Parse(b.r, b.size, pbwalk.DefaultLimits())
	if err != nil {
		return protobufError("onnx", err)
	}
	// One finding per location: a model splitting a tensor file into
	// thousands of tensors would otherwise flood the report.
	type ext struct {
		first onnx.ExternalData
		n     int
	}
	byLoc := map[string]*ext{}
	var locs []string
	for _, e := range m.External {
		if onnx.CheckLocation(e.Location) == "" {
			fs.companion(b, e.Location)
			continue
		}
		k := fmt.Sprintf("%t\x00%s", e.External, e.Location)
		if x := byLoc[k]; x != nil {
			x.n++
			continue
		}
		byLoc[k] = &ext{first: e, n: 1}
		locs = append(locs, k)
	}
	for _, k := range locs {
		e, n := byLoc[k].first, byLoc[k].n
		f := Finding{RuleID: "ONNX001", Argument: e.Location, Offset: e.Offset,
			Message: fmt.Sprintf("tensor %q (%s): external_data location %q %s", e.Tensor, e.Where, e.Location, onnx.CheckLocation(e.Location))}
		if n > 1 {
			f.Message += fmt.Sprintf("; %d more tensors use it", n-1)
		}
		if !e.External {
			// Loaders ignore external_data unless data_location is EXTERNAL.
			f.Severity = SeverityMedium
			f.Message += " (data_location is not EXTERNAL, so current loaders ignore it)"
		}
		fs.emit(b, f)
	}
	checkONNXDomains(fs, b, m)
	// A file can be an ONNX model and a TensorFlow protobuf at once: each
	// loader ignores the other's fields. Check it as both.
	// scanTF does the same the other way round; b.format says who came first.
	if b.format != FormatONNX {
		return nil
	}
	if k := savedmodel.Detect(b.r, b.size); k != savedmodel.KindUnknown {
		fs.emitf(b, "ARC006", 0, "file is both an ONNX model and a TensorFlow %s: each loader sees different content", k)
		return scanTF(fs, b)
	}
	return nil
}

// checkONNXDomains reports each operator domain outside onnx.allow_domains
// once, with its op types. Calls to functions the model defines are not
// custom operators.
func checkONNXDomains(fs *fileScan, b *blob, m *onnx.Model) {
	allowed := map[string]bool{}
	for _, d := range fs.s.rules.ONNX.AllowDomains {
		allowed[d] = true
	}
	local := map[[2]string]bool{}
	funcDomains := map[string]bool{}
	for _, f := range m.Functions {
		local[[2]string{f.Domain, f.Name}] = true
		funcDomains[f.Domain] = true
	}
	type use struct {
		ops    []string
		nodes  int
		first  string
		offset int64
	}
	uses := map[string]*use{}
	for _, u := range m.Ops {
		if allowed[u.Domain] || local[[2]string{u.Domain, u.OpType}] {
			continue
		}
		x := uses[u.Domain]
		if x == nil {
			x = &use{first: u.FirstNode, offset: u.Offset}
			uses[u.Domain] = x
		}
		x.ops = append(x.ops, u.OpType)
		x.nodes += u.Count
		if u.Offset < x.offset {
			x.first, x.offset = u.FirstNode, u.Offset
		}
	}
	domains := make([]string, 0, len(uses))
	for d := range uses {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	for _, d := range domains {
		x := uses[d]
		fs.emit(b, Finding{RuleID: "ONNX002", Callable: d, Argument: strings.Join(x.ops, ","), Offset: x.offset,
			Message: fmt.Sprintf("operator domain %q used by %d node(s) (first %q), op types: %s", d, x.nodes, x.first, strings.Join(x.ops, ", "))})
	}
	reported := map[string]bool{}
	for _, o := range m.Opsets {
		if allowed[o.Domain] || uses[o.Domain] != nil || funcDomains[o.Domain] || reported[o.Domain] {
			continue
		}
		reported[o.Domain] = true
		fs.emit(b, Finding{RuleID: "ONNX002", Severity: SeverityLow, Callable: o.Domain, Offset: o.Offset,
			Message: fmt.Sprintf("opset_import of operator domain %q (version %d, %s), used by no node", o.Domain, o.Version, o.Where)})
	}
}

// protobufError turns a walker bound into the engine's LimitError and
// labels the rest, keeping their offsets.
func protobufError(what string, err error) error {
	var le *pbwalk.LimitError
	if errors.As(err, &le) {
		return &LimitError{Rule: "ARC003", Limit: what + ": " + le.Limit, Offset: le.Off}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// companion records that a top-level model reads location (relative to its
// folder) as raw data, so that file is not reported as an unparsed model.
func (fs *fileScan) companion(b *blob, location string) {
	if b.depth != 0 || len(fs.companions) >= 10_000 {
		return
	}
	dir, err := filepath.Abs(filepath.Dir(b.file))
	if err != nil {
		return
	}
	p := filepath.Join(dir, filepath.FromSlash(strings.ReplaceAll(location, "\\", "/")))
	if !slices.Contains(fs.companions, p) {
		fs.companions = append(fs.companions, p)
	}
}
