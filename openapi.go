package main

import (
	"bytes"
	_ "embed"
	"net/http"

	"prepay/tmf"
)

// openAPIDocument is the OpenAPI 3.1 description of every route, kept in
// step with routes by openapi_test.go.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the embedded document as it is, less the file's final
// newline, which WriteRaw adds back: no credentials, no work per request.
func openAPI() http.Handler {
	body := bytes.TrimRight(openAPIDocument, "\n")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tmf.WriteRaw(w, http.StatusOK, body)
	})
}
