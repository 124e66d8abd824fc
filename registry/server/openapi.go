package server

import _ "embed"

// openAPIDoc is served at /api/v1/openapi.json. TestOpenAPIInSync fails if
// a route is missing from it or it documents a route that does not exist.
//
//go:embed openapi.json
var openAPIDoc []byte
