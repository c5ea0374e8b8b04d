// Package docs holds the contracts minsheng publishes, embedded so that
// tests check the bot against the very text backend teams read:
// BackendOpenAPI is docs/backend-openapi.yaml (internal/contracttest
// validates the bot's requests to a case backend and the answers of its
// events endpoint against it).
package docs

import _ "embed"

// BackendOpenAPI is docs/backend-openapi.yaml: the contract with case backends.
//
//go:embed backend-openapi.yaml
var BackendOpenAPI []byte
