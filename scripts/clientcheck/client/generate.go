// Package client is the Go client that oapi-codegen generates, with its
// default options, from prepay's /openapi.json. client.gen.go is made by
// "go generate" (or ../run) and not kept in the repository: it is always
// the current document's.
package client

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -package client -o client.gen.go ../../../openapi.json
