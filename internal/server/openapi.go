package server

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// OpenAPI returns the API as an OpenAPI 3.0 document, generated from the route table and
// the wire types.
func (s *Server) OpenAPI() []byte {
	g := &openapiGen{schemas: map[string]any{}}
	g.schema(reflect.TypeOf(api.Error{}))
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"parameters":  g.parameters(rt),
			"responses":   g.responses(rt),
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{
				"required": !rt.BodyOptional,
				"content":  map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Request))}},
			}
		}
		if rt.Auth {
			op["security"] = []any{map[string]any{"bearerAuth": []string{}}}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "OpenCatalog API",
			"version":     "1",
			"description": "The self-hosted service catalog: services and their versions, plans, and service instances provisioned through Open Service Brokers. Every request carries Authorization: Bearer <API key>; every response carries a RequestId.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         g.schemas,
			"securitySchemes": map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("marshal OpenAPI document: %v", err))
	}
	return append(out, '\n')
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

func operationID(rt route) string {
	words := []string{strings.ToLower(rt.Method)}
	for _, seg := range strings.Split(strings.Trim(rt.Path, "/"), "/") {
		if m := pathParam.FindStringSubmatch(seg); m != nil {
			words = append(words, "By"+m[1])
			continue
		}
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '.' }) {
			words = append(words, strings.ToUpper(part[:1])+part[1:])
		}
	}
	return strings.Join(words, "")
}

type openapiGen struct {
	schemas map[string]any
}

func (g *openapiGen) parameters(rt route) []any {
	params := []any{}
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.Query {
		typ := "string"
		if q == "MaxResults" {
			typ = "integer"
		}
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": typ}})
	}
	for _, h := range rt.Headers {
		params = append(params, map[string]any{"name": h, "in": "header", "schema": map[string]any{"type": "string"}})
	}
	return params
}

func (g *openapiGen) responses(rt route) map[string]any {
	ok := map[string]any{"description": "Success."}
	if rt.Response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Response))}}
	} else if rt.Path == "/metrics" {
		ok["content"] = map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	} else if rt.Path == "/openapi.json" {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
	}
	return map[string]any{
		fmt.Sprint(rt.Status): ok,
		"default": map[string]any{"description": "An error: 400 bad input, 401, 403, 404, 409 conflict or state, 412 If-Match, 413, 422, 502 a broker could not be read.",
			"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
	}
}

// schema returns the schema of t, registering named structs as components.
func (g *openapiGen) schema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if _, done := g.schemas[name]; !done {
			g.schemas[name] = nil // reserve: types may refer to themselves
			props := map[string]any{}
			g.fields(t, props)
			g.schemas[name] = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	panic(fmt.Sprintf("openapi: no schema for %s", t))
}

func (g *openapiGen) fields(t reflect.Type, props map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			g.fields(f.Type, props)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		props[name] = g.schema(f.Type)
	}
}
