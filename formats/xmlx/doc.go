// Package xmlx checks XML model files (PMML, OpenVINO IR and other XML
// formats) for what a resolving XML parser would do when it loads them:
// fetch external entities and DTDs (XXE), expand parameter entities,
// process XInclude, or expand nested entities into gigabytes (billion
// laughs).
//
// It reads the document with encoding/xml, which never resolves entities,
// fetches nothing and has no XInclude support, so checking a file cannot
// trigger what it looks for. encoding/xml hands the DOCTYPE over as one raw
// directive; the declarations in its internal subset (ENTITY, parameter
// entities, external identifiers) are parsed here, and the expansion size
// of every internal entity is computed from the declarations, with cycle
// detection, without expanding anything. Entity references in the
// document are accepted and left unexpanded.
//
// Limits bound every dimension a hostile document can grow: bytes of the
// DOCTYPE, declared entities, element depth and tokens. A document that
// exceeds one, or is not well formed, is an error; the issues found before
// it are still returned.
package xmlx
