package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
)

// openAPIDoc is the embedded document, decoded.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

func TestOpenAPIServed(t *testing.T) {
	s := newTestServer(t)
	rec := s.do(t, "GET", "/openapi.json", nil, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("GET /openapi.json without credentials = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !bytes.Equal(bytes.TrimSpace(rec.Body.Bytes()), bytes.TrimSpace(openAPIDocument)) {
		t.Errorf("served document differs from openapi.json")
	}
}

// TestOpenAPIDocument checks the document is OpenAPI 3.1 in the ways a
// client generator relies on: the version, info and paths are there, every
// $ref resolves, every path parameter is declared, every operation answers.
func TestOpenAPIDocument(t *testing.T) {
	doc := openAPIDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs title and version: %v", info)
	}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}

	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := openAPIResolve(doc, ref); err != "" {
					t.Errorf("%s: $ref %q: %s", at, ref, err)
				}
			}
			for k, child := range v {
				walk(at+"/"+k, child)
			}
		case []any:
			for _, child := range v {
				walk(at+"[]", child)
			}
		}
	}
	walk("#", doc)

	template := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			declared := map[string]bool{}
			for _, p := range op["parameters"].([]any) {
				p := openAPIDeref(t, doc, p)
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
					if p["required"] != true {
						t.Errorf("%s %s: path parameter %s is not required", method, path, p["name"])
					}
				}
			}
			var inPath []string
			for _, m := range template.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
				if !declared[m[1]] {
					t.Errorf("%s %s: path parameter {%s} is not declared", method, path, m[1])
				}
			}
			if len(declared) != len(inPath) {
				t.Errorf("%s %s: declares path parameters %v, the path has %v", method, path, declared, inPath)
			}
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
			if op["operationId"] == nil {
				t.Errorf("%s %s: no operationId", method, path)
			}
		}
	}
}

// TestOpenAPIRoutes holds the document to the routes registered: a route
// missing from it, or a path in it that the server does not serve, fails.
func TestOpenAPIRoutes(t *testing.T) {
	s := newTestServer(t)
	guard, err := auth.New(s.store, s.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		t.Fatal(err)
	}
	mux := &router{ServeMux: http.NewServeMux()}
	fs, err := newFaults(s.store)
	if err != nil {
		t.Fatal(err)
	}
	routes(mux, deps{store: s.store, clock: s.clock, guard: guard, dataSet: ds, faults: fs})

	var registered, documented []string
	for _, p := range mux.patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			t.Errorf("pattern %q has no method: every route names one", p)
		}
		registered = append(registered, method+" "+path)
	}
	for path, item := range openAPIDoc(t)["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("routes (-registered +documented in openapi.json):\n%s", diff)
	}
}

// TestOpenAPIErrorCodes holds Error.code's enum to tmf's table of codes: a
// code answered but not documented, or documented but never answered,
// fails.
func TestOpenAPIErrorCodes(t *testing.T) {
	var inTable []string
	for _, c := range tmf.Codes() {
		inTable = append(inTable, c.Code)
	}
	doc := openAPIDoc(t)
	enum := openAPIDeref(t, doc, map[string]any{"$ref": "#/components/schemas/Error"})["properties"].(map[string]any)["code"].(map[string]any)["enum"].([]any)
	var documented []string
	for _, c := range enum {
		documented = append(documented, c.(string))
	}
	slices.Sort(documented)
	if diff := cmp.Diff(inTable, documented); diff != "" {
		t.Errorf("error codes (-tmf table +Error.code enum in openapi.json):\n%s", diff)
	}
}

// openAPIResolve follows a local JSON pointer (#/components/…) in doc.
func openAPIResolve(doc map[string]any, ref string) (any, string) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, "not a local reference"
	}
	var v any = doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := v.(map[string]any)
		if !ok {
			return nil, "runs into a non-object at " + part
		}
		if v, ok = m[part]; !ok {
			return nil, "no " + part
		}
	}
	return v, ""
}

// openAPIDeref returns v, or what its $ref points to.
func openAPIDeref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m := v.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		target, err := openAPIResolve(doc, ref)
		if err != "" {
			t.Fatalf("$ref %q: %s", ref, err)
		}
		return target.(map[string]any)
	}
	return m
}
