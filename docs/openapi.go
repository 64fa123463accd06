package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml, the OpenAPI 3.0.3 document generated from
// this package's Swagger document (docs/api.md, "The OpenAPI document").
//
//go:embed openapi.yaml
var OpenAPI []byte
