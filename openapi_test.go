package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"prepay/auth"
	"prepay/counters"
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
	routes(mux, deps{store: s.store, guard: guard, dataSet: ds, faults: fs, counts: counters.New(), maxSandboxes: 1})

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

// TestOpenAPIErrorCodes holds ErrorCode's enum to tmf's table of codes: a
// code answered but not documented, or documented but never answered,
// fails.
func TestOpenAPIErrorCodes(t *testing.T) {
	var inTable []string
	for _, c := range tmf.Codes() {
		inTable = append(inTable, c.Code)
	}
	documented := openAPIErrorCodes(t)
	slices.Sort(documented)
	if diff := cmp.Diff(inTable, documented); diff != "" {
		t.Errorf("error codes (-tmf table +ErrorCode enum in openapi.json):\n%s", diff)
	}
}

// openAPIErrorCodes returns the ErrorCode enum, in the document's order.
func openAPIErrorCodes(t *testing.T) []string {
	t.Helper()
	doc := openAPIDoc(t)
	code := openAPIDeref(t, doc, openAPIDeref(t, doc, map[string]any{"$ref": "#/components/schemas/Error"})["properties"].(map[string]any)["code"])
	enum, _ := code["enum"].([]any)
	names, _ := code["x-enum-varnames"].([]any)
	if len(names) != len(enum) {
		t.Errorf("ErrorCode has %d x-enum-varnames for %d codes: generated clients need one readable name each", len(names), len(enum))
	}
	var codes []string
	for _, c := range enum {
		codes = append(codes, c.(string))
	}
	return codes
}

// TestOpenAPIGeneratorRules holds the document to what client generators
// need, so that a generated client keeps cents and every part has a name:
// every number is a double (never a float32) and no schema uses multipleOf,
// which binary floating point cannot evaluate (0.07 is not a multiple of
// 0.01 to a validator); every object schema of a body is a named component;
// every component key is one the OpenAPI key pattern allows.
func TestOpenAPIGeneratorRules(t *testing.T) {
	doc := openAPIDoc(t)
	keyPattern := regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	for kind, m := range doc["components"].(map[string]any) {
		for key := range m.(map[string]any) {
			if !keyPattern.MatchString(key) {
				t.Errorf("components/%s/%s: key does not match %s", kind, key, keyPattern)
			}
		}
	}

	var walk func(at string, v any, inSchema bool)
	walk = func(at string, v any, inSchema bool) {
		switch v := v.(type) {
		case map[string]any:
			if inSchema {
				if v["type"] == "number" && v["format"] != "double" {
					t.Errorf("%s: a number without format double becomes a float32 in generated Go", at)
				}
				if _, ok := v["multipleOf"]; ok {
					t.Errorf("%s: multipleOf fails on binary floating point; say \"two decimals\" in the description", at)
				}
			}
			for k, child := range v {
				switch {
				case k == "example" || k == "examples":
					continue
				case k == "schema":
					walk(at+"/"+k, child, true)
				default:
					walk(at+"/"+k, child, inSchema)
				}
			}
		case []any:
			for i, child := range v {
				walk(fmt.Sprintf("%s/%d", at, i), child, inSchema)
			}
		}
	}
	walk("#/paths", doc["paths"], false)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, s := range schemas {
		walk("#/components/schemas/"+name, s, true)
	}

	// An object inside an operation, or nested in a component's property,
	// is an anonymous type in generated code: name it.
	var inline func(at string, v any, top bool)
	inline = func(at string, v any, top bool) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if _, ok := m["properties"]; ok && !top {
			t.Errorf("%s: an inline object schema; make it a named component", at)
		}
		for _, k := range []string{"properties", "items", "allOf", "oneOf", "anyOf"} {
			switch c := m[k].(type) {
			case map[string]any:
				if k == "properties" {
					for p, s := range c {
						inline(at+"/properties/"+p, s, false)
					}
				} else {
					inline(at+"/"+k, c, false)
				}
			case []any:
				for i, s := range c {
					// allOf parts extend the named schema they sit in.
					inline(fmt.Sprintf("%s/%s/%d", at, k, i), s, k == "allOf" && top)
				}
			}
		}
	}
	for name, s := range schemas {
		inline("#/components/schemas/"+name, s, true)
	}
	var bodies func(at string, v any)
	bodies = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if k == "schema" {
					inline(at+"/schema", child, false)
					continue
				}
				if k == "example" || k == "examples" {
					continue
				}
				bodies(at+"/"+k, child)
			}
		case []any:
			for i, child := range v {
				bodies(fmt.Sprintf("%s/%d", at, i), child)
			}
		}
	}
	bodies("#/paths", doc["paths"])
	for _, kind := range []string{"parameters", "responses", "headers"} {
		m, _ := doc["components"].(map[string]any)[kind].(map[string]any)
		bodies("#/components/"+kind, m)
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
