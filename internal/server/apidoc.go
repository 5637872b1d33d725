package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The parts of an OpenAPI 3.0 document that the reference shows.
type (
	openapiDoc struct {
		Info struct {
			Title, Description string
		}
		Paths      map[string]map[string]openapiOp
		Components struct {
			Schemas map[string]openapiSchema
		}
	}
	openapiOp struct {
		Summary    string
		Parameters []struct {
			In, Name string
			Schema   openapiSchema
		}
		RequestBody *struct {
			Required bool
			Content  map[string]struct{ Schema openapiSchema }
		}
		Responses map[string]struct {
			Description string
			Content     map[string]struct{ Schema openapiSchema }
		}
		Security []any
	}
	openapiSchema struct {
		Ref                  string `json:"$ref"`
		Type, Format         string
		Items                *openapiSchema
		AdditionalProperties any
		Properties           map[string]openapiSchema
	}
)

var methodOrder = []string{"get", "post", "put", "patch", "delete"}

// APIReference renders an OpenAPI document (the one OpenAPI returns) as a Markdown
// reference: the routes, then each one's parameters, body and answer, then the types.
func APIReference(document []byte) ([]byte, error) {
	var doc openapiDoc
	if err := json.Unmarshal(document, &doc); err != nil {
		return nil, fmt.Errorf("read the OpenAPI document: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s reference\n\n", doc.Info.Title)
	b.WriteString("<!-- generated from openapi.json by `make openapi`; do not edit -->\n\n")
	fmt.Fprintf(&b, "%s\n\n", doc.Info.Description)

	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	type entry struct {
		method, path string
		op           openapiOp
	}
	var entries []entry
	for _, p := range paths {
		for _, m := range methodOrder {
			if op, ok := doc.Paths[p][m]; ok {
				entries = append(entries, entry{strings.ToUpper(m), p, op})
			}
		}
	}

	for _, e := range entries {
		if r, ok := e.op.Responses["default"]; ok {
			fmt.Fprintf(&b, "Errors are answered as [Error](#error). %s\n\n", r.Description)
			break
		}
	}
	b.WriteString("## Routes\n\n| method | path | what | key |\n|---|---|---|---|\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "| %s | [`%s`](#%s) | %s | %s |\n", e.method, e.path, anchor(e.method+" "+e.path), firstSentence(e.op.Summary), yesNo(len(e.op.Security) > 0))
	}

	for _, e := range entries {
		fmt.Fprintf(&b, "\n## %s %s\n\n%s\n\n", e.method, e.path, e.op.Summary)
		for _, in := range []string{"path", "query", "header"} {
			var params []string
			for _, p := range e.op.Parameters {
				if p.In == in {
					params = append(params, fmt.Sprintf("`%s` (%s)", p.Name, typeName(p.Schema)))
				}
			}
			if len(params) > 0 {
				fmt.Fprintf(&b, "* %s: %s\n", map[string]string{"path": "Path", "query": "Query", "header": "Header"}[in], strings.Join(params, ", "))
			}
		}
		if body := e.op.RequestBody; body != nil {
			optional := ""
			if !body.Required {
				optional = " (optional)"
			}
			fmt.Fprintf(&b, "* Body%s: %s\n", optional, typeName(body.Content["application/json"].Schema))
		}
		codes := make([]string, 0, len(e.op.Responses))
		for code := range e.op.Responses {
			if code != "default" {
				codes = append(codes, code)
			}
		}
		slices.Sort(codes)
		for _, code := range codes {
			r := e.op.Responses[code]
			answer := "no body"
			if c, ok := r.Content["application/json"]; ok {
				answer = typeName(c.Schema)
			} else if len(r.Content) > 0 {
				for media := range r.Content {
					answer = "`" + media + "`"
				}
			}
			fmt.Fprintf(&b, "* Answer: %s %s\n", code, answer)
		}
	}

	b.WriteString("\n## Types\n")
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := doc.Components.Schemas[n]
		fmt.Fprintf(&b, "\n### %s\n\n", n)
		if len(s.Properties) == 0 {
			fmt.Fprintf(&b, "%s\n", typeName(s))
			continue
		}
		b.WriteString("| field | type |\n|---|---|\n")
		fields := make([]string, 0, len(s.Properties))
		for f := range s.Properties {
			fields = append(fields, f)
		}
		slices.Sort(fields)
		for _, f := range fields {
			fmt.Fprintf(&b, "| `%s` | %s |\n", f, typeName(s.Properties[f]))
		}
	}
	return []byte(b.String()), nil
}

// typeName writes a schema as a short type, linking named types.
func typeName(s openapiSchema) string {
	switch {
	case s.Ref != "":
		name := s.Ref[strings.LastIndex(s.Ref, "/")+1:]
		return fmt.Sprintf("[%s](#%s)", name, anchor(name))
	case s.Type == "array" && s.Items != nil:
		return "list of " + typeName(*s.Items)
	case s.Type == "object":
		if elem, ok := s.AdditionalProperties.(map[string]any); ok {
			raw, _ := json.Marshal(elem)
			var inner openapiSchema
			if json.Unmarshal(raw, &inner) == nil && (inner.Ref != "" || inner.Type != "") {
				return "map of " + typeName(inner)
			}
			return "object"
		}
		return "object"
	case s.Format != "":
		return s.Type + " (" + s.Format + ")"
	case s.Type != "":
		return s.Type
	}
	return "any JSON value"
}

// anchor is the fragment GitHub and the Terraform registry give a heading.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
