package planspec

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// CustomPlanName is the plan in which the purchaser may set every parameter that is not
// read_only. In every other plan the purchaser reads the values but cannot set them.
const CustomPlanName = "custom"

// Parameter types a plan's Metadata key may declare.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
)

var (
	planNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	metaKeyPattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`)
	blueprintRef    = regexp.MustCompile(`^([^:\s]+)(?::(\d+)(?:[.,](\d+))?)?$`)
	parameterTypes  = []string{TypeString, TypeInteger, TypeNumber, TypeBoolean}
)

const (
	maxPlanDescription = 4096
	maxMetadataKeys    = 200
	maxMeteringItems   = 50
)

// ValidatePlanName checks a plan name.
func ValidatePlanName(name string) error {
	if !planNamePattern.MatchString(name) {
		return invalid("PlanName", "plan name %q must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit", name)
	}
	return nil
}

// NormalizePlan checks a plan as a supplier writes it and returns it with every default
// applied: each Metadata key gets its type and all boolean attributes spelled out, defaults
// are converted to the key's type, and MeteringItems get the plan name where ItemName or
// Specification is empty.
func NormalizePlan(name string, in api.PutPlanRequest) (api.PutPlanRequest, error) {
	if err := ValidatePlanName(name); err != nil {
		return in, err
	}
	out := api.PutPlanRequest{
		Description:    in.Description,
		Blueprint:      strings.TrimSpace(in.Blueprint),
		BrokerPlanName: in.BrokerPlanName,
		Metadata:       map[string]api.ParameterSpec{},
		MeteringItems:  []api.MeteringItem{},
	}
	if utf8.RuneCountInString(in.Description) > maxPlanDescription {
		return in, invalid("Description", "plan description is longer than %d characters", maxPlanDescription)
	}
	if len(in.BrokerPlanName) > 255 {
		return in, invalid("BrokerPlanName", "broker plan name is longer than 255 characters")
	}
	if out.Blueprint != "" {
		if _, err := ParseBlueprint(out.Blueprint); err != nil {
			return in, err
		}
	}
	if len(in.Metadata) > maxMetadataKeys {
		return in, invalid("Metadata", "a plan has at most %d Metadata keys, got %d", maxMetadataKeys, len(in.Metadata))
	}
	for _, key := range sortedKeys(in.Metadata) {
		spec, err := normalizeParameterSpec(name, key, in.Metadata[key])
		if err != nil {
			return in, err
		}
		out.Metadata[key] = spec
	}
	if len(in.MeteringItems) > maxMeteringItems {
		return in, invalid("MeteringItems", "a plan has at most %d MeteringItems, got %d", maxMeteringItems, len(in.MeteringItems))
	}
	for i, item := range in.MeteringItems {
		if item.ItemName == "" {
			item.ItemName = name
		}
		if item.Specification == "" {
			item.Specification = name
		}
		if item.Accumulate == nil {
			item.Accumulate = []string{}
		}
		seen := map[string]bool{}
		for _, k := range item.Accumulate {
			if seen[k] {
				return in, invalid("MeteringItems", "MeteringItems[%d].Accumulate names %q twice", i, k)
			}
			seen[k] = true
		}
		out.MeteringItems = append(out.MeteringItems, item)
	}
	return out, nil
}

func normalizeParameterSpec(plan, key string, in api.ParameterSpec) (api.ParameterSpec, error) {
	bad := func(format string, args ...any) error {
		return invalid("Metadata", "Metadata key %q: %s", key, fmt.Sprintf(format, args...))
	}
	if !metaKeyPattern.MatchString(key) {
		return in, bad("a key must be 1-128 letters, digits, '_', '.' or '-', starting with a letter or '_'")
	}
	out := in
	out.Type = strings.ToLower(strings.TrimSpace(in.Type))
	if out.Type == "" {
		out.Type = TypeString
	}
	if !contains(parameterTypes, out.Type) {
		return in, bad("type %q is not one of %s", in.Type, strings.Join(parameterTypes, ", "))
	}
	out.ReadOnly = boolOr(in.ReadOnly, false)
	out.Optional = boolOr(in.Optional, true)
	out.Check = boolOr(in.Check, true)
	out.Changed = boolOr(in.Changed, true)
	if (in.RangeMin != nil || in.RangeMax != nil) && out.Type == TypeBoolean {
		return in, bad("range_min and range_max do not apply to type boolean")
	}
	if in.RangeMin != nil && in.RangeMax != nil && *in.RangeMin > *in.RangeMax {
		return in, bad("range_min %v is above range_max %v", *in.RangeMin, *in.RangeMax)
	}
	if out.Type == TypeString && in.RangeMin != nil && *in.RangeMin < 0 {
		return in, bad("range_min of a string is a length and cannot be negative")
	}
	if in.Default != nil {
		v, err := ConvertValue(out.Type, in.Default)
		if err != nil {
			return in, bad("default: %v", err)
		}
		if err := checkRange(out, v); err != nil {
			return in, bad("default: %v", err)
		}
		out.Default = v
	}
	if out.Default == nil && !*out.Optional {
		// Nobody could ever give this key a value: the purchaser may not set it.
		if *out.ReadOnly {
			return in, bad("a read_only key that is not optional needs a default")
		}
		if plan != CustomPlanName {
			return in, bad("in plan %q (not %q) purchasers cannot set parameters, so a key that is not optional needs a default", plan, CustomPlanName)
		}
	}
	return out, nil
}

// Blueprint is a plan's resolved Blueprint reference.
type Blueprint struct {
	Name    string
	Version string
}

// ID is the Blueprint id passed to the broker: "Name:Version".
func (b Blueprint) ID() string { return b.Name + ":" + b.Version }

// ParseBlueprint reads "TemplateName:1,0" (the version's parts separated by ',' or '.'); a
// missing version is 1.0.
func ParseBlueprint(ref string) (Blueprint, error) {
	m := blueprintRef.FindStringSubmatch(ref)
	if m == nil {
		return Blueprint{}, invalid("Blueprint", "blueprint %q must be \"TemplateName\" or \"TemplateName:major,minor\" (for example \"PlanTemplateName:1,0\")", ref)
	}
	major, minor := m[2], m[3]
	if major == "" {
		major = "1"
	}
	if minor == "" {
		minor = "0"
	}
	return Blueprint{Name: m[1], Version: major + "." + minor}, nil
}

// ResolveBlueprint applies the seed's rule: a plan without Blueprint uses
// blueprint.<plan>.yml, version 1.0.
func ResolveBlueprint(plan, ref string) Blueprint {
	if ref == "" {
		return Blueprint{Name: "blueprint." + plan + ".yml", Version: "1.0"}
	}
	b, err := ParseBlueprint(ref)
	if err != nil {
		// Stored plans were checked on write; fall back to the default rather than fail a read.
		return Blueprint{Name: "blueprint." + plan + ".yml", Version: "1.0"}
	}
	return b
}

// PlanWarnings tells what the catalog ignores in a normalized plan: Accumulate keys that are
// not Metadata keys (matching is exact, so "key1" does not name "Key1").
func PlanWarnings(p api.PutPlanRequest) []string {
	warnings := []string{}
	keys := sortedKeys(p.Metadata)
	for i, item := range p.MeteringItems {
		for _, k := range item.Accumulate {
			if _, ok := p.Metadata[k]; ok {
				continue
			}
			w := fmt.Sprintf("MeteringItems[%d] (%s): Accumulate key %q is not a Metadata key and is ignored", i, item.ItemName, k)
			if near := nearest(k, keys); near != "" {
				w += fmt.Sprintf(" (did you mean %q?)", near)
			}
			warnings = append(warnings, w)
		}
	}
	return warnings
}

func boolOr(p *bool, def bool) *bool {
	v := def
	if p != nil {
		v = *p
	}
	return &v
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// nearest returns the candidate closest to s (case-insensitively, edit distance at most 2),
// or "" when none is close.
func nearest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
