package api

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPI describes the service (OpenAPI 3.1); TestOpenAPIMatchesHandlers
// keeps it equal to the route table and to what the handlers answer.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI is the service's OpenAPI 3.1 description.
func OpenAPI() []byte { return openAPI }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPI)))
	w.WriteHeader(http.StatusOK)
	w.Write(openAPI)
}
