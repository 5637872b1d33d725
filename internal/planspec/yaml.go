// Package planspec is the plan model of the catalog: the rules of a plan's Metadata keys,
// Blueprint and MeteringItems, the checking of an instance's parameters against a plan, and
// the Plans block of an AOS service package (YAML), read and written so that a package's
// plans can be published as they are written.
//
//	Plans:
//	  - Name: large
//	    Description: this is large plan, with 32G memory
//	    Metadata:
//	      Key_2: {type: string, default: value2, range_min: 0, range_max: 20}
//	    Blueprint: "PlanTemplateName:1,0"
//	    MeteringItems:
//	      - {ItemName: BDI, Specification: large, Accumulate: [key1]}
//
// A document may be a whole package (other top-level keys are left alone), a mapping with
// only Plans, or the bare list of plans.
package planspec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// Plan is one plan of a Plans block, as written (defaults are the catalog's to apply).
type Plan struct {
	Name               string `yaml:"Name"`
	api.PutPlanRequest `yaml:",inline"`
	// Line is where the plan starts in the document (1-based), for messages.
	Line int `yaml:"-"`
}

// MaxDocumentSize bounds what Parse reads.
const MaxDocumentSize = 1 << 20

var (
	planKeys      = []string{"Name", "Description", "Metadata", "Blueprint", "MeteringItems", "BrokerPlanName"}
	parameterKeys = []string{"type", "alias", "default", "read_only", "optional", "check", "changed", "range_min", "range_max"}
	meteringKeys  = []string{"ItemName", "Specification", "Accumulate"}
)

// Parse reads a Plans block and checks each plan by the catalog's rules. Errors give the
// line they refer to.
func Parse(data []byte) ([]Plan, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("plans document is %d bytes, more than the %d allowed", len(data), MaxDocumentSize)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("plans document is empty")
		}
		return nil, fmt.Errorf("plans document is not valid YAML: %w", err)
	}
	list, err := plansNode(&doc)
	if err != nil {
		return nil, err
	}
	plans := make([]Plan, 0, len(list.Content))
	seen := map[string]int{}
	for _, n := range list.Content {
		p, err := parsePlan(n)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[p.Name]; dup {
			return nil, fmt.Errorf("line %d: plan %q is already defined at line %d", p.Line, p.Name, first)
		}
		seen[p.Name] = p.Line
		plans = append(plans, p)
	}
	return plans, nil
}

func plansNode(doc *yaml.Node) (*yaml.Node, error) {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	switch root.Kind {
	case yaml.SequenceNode:
		return root, nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "Plans" {
				v := root.Content[i+1]
				if v.Kind != yaml.SequenceNode {
					return nil, fmt.Errorf("line %d: Plans must be a list of plans", v.Line)
				}
				return v, nil
			}
		}
		return nil, fmt.Errorf("line %d: the document has no Plans key", root.Line)
	}
	return nil, fmt.Errorf("line %d: expected a Plans mapping or a list of plans", root.Line)
}

func parsePlan(n *yaml.Node) (Plan, error) {
	if n.Kind != yaml.MappingNode {
		return Plan{}, fmt.Errorf("line %d: each plan must be a mapping of Name, Description, Metadata and the other plan keys", n.Line)
	}
	if err := knownKeys(n, planKeys, "plan"); err != nil {
		return Plan{}, err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		switch key {
		case "Metadata":
			if val.Kind != yaml.MappingNode {
				if val.Tag == "!!null" {
					continue
				}
				return Plan{}, fmt.Errorf("line %d: Metadata must be a mapping of parameter keys", val.Line)
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				param := val.Content[j+1]
				if param.Kind != yaml.MappingNode {
					return Plan{}, fmt.Errorf("line %d: Metadata key %q must be a mapping of attributes (type, alias, default, ...)", param.Line, val.Content[j].Value)
				}
				if err := knownKeys(param, parameterKeys, "Metadata key "+quote(val.Content[j].Value)); err != nil {
					return Plan{}, err
				}
			}
		case "MeteringItems":
			for _, item := range val.Content {
				if item.Kind == yaml.MappingNode {
					if err := knownKeys(item, meteringKeys, "MeteringItems entry"); err != nil {
						return Plan{}, err
					}
				}
			}
		}
	}
	p := Plan{Line: n.Line}
	if err := n.Decode(&p); err != nil {
		return Plan{}, fmt.Errorf("plan at line %d: %s", n.Line, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if p.Name == "" {
		return Plan{}, fmt.Errorf("line %d: the plan has no Name", n.Line)
	}
	if _, err := NormalizePlan(p.Name, p.PutPlanRequest); err != nil {
		msg := err.Error()
		var fe *FieldError
		if errors.As(err, &fe) {
			msg = fe.Message
		}
		return Plan{}, fmt.Errorf("line %d: plan %q: %s", n.Line, p.Name, msg)
	}
	return p, nil
}

func knownKeys(n *yaml.Node, allowed []string, what string) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return fmt.Errorf("line %d: %s has an unknown key %q (known keys: %s)", k.Line, what, k.Value, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// Marshal writes plans as a Plans block that Parse reads back to the same plans.
func Marshal(plans []Plan) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(struct {
		Plans []Plan `yaml:"Plans"`
	}{plans}); err != nil {
		return nil, fmt.Errorf("write plans YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write plans YAML: %w", err)
	}
	return buf.Bytes(), nil
}
