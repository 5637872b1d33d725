package planspec

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// ConvertValue converts a JSON (or YAML) value to the Go value of a parameter type: string,
// int64, float64 or bool. Numbers and booleans may also come as strings ("5", "true"), as
// Terraform's map(string) sends them.
func ConvertValue(typ string, v any) (any, error) {
	switch typ {
	case TypeString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("%s is not a string", describe(v))
	case TypeInteger:
		f, ok := asNumber(v)
		if ok && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int64(f), nil
		}
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i, nil
			}
		}
		if s, ok := v.(string); ok {
			if i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
				return i, nil
			}
		}
		return nil, fmt.Errorf("%s is not an integer", describe(v))
	case TypeNumber:
		if f, ok := asNumber(v); ok {
			return f, nil
		}
		if s, ok := v.(string); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f, nil
			}
		}
		return nil, fmt.Errorf("%s is not a number", describe(v))
	case TypeBoolean:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			if p, err := strconv.ParseBool(strings.TrimSpace(b)); err == nil {
				return p, nil
			}
		}
		return nil, fmt.Errorf("%s is not a boolean: use true or false", describe(v))
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

func asNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsInf(n, 0) && !math.IsNaN(n)
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	}
	return 0, false
}

func describe(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%v", v)
}

// checkRange applies range_min/range_max when check is on: a string's length in characters,
// a number's value.
func checkRange(spec api.ParameterSpec, v any) error {
	if spec.Check != nil && !*spec.Check {
		return nil
	}
	var x float64
	what := "value"
	switch t := v.(type) {
	case string:
		x, what = float64(utf8.RuneCountInString(t)), "length"
	case int64:
		x = float64(t)
	case float64:
		x = t
	default:
		return nil
	}
	if spec.RangeMin != nil && x < *spec.RangeMin {
		return fmt.Errorf("%s %v is below range_min %v", what, x, *spec.RangeMin)
	}
	if spec.RangeMax != nil && x > *spec.RangeMax {
		return fmt.Errorf("%s %v is above range_max %v", what, x, *spec.RangeMax)
	}
	return nil
}

// ResolveParameters checks what a purchaser asks for against a normalized plan and returns
// the instance's effective parameters: the purchaser's values where the plan lets them set
// one, the plan's defaults elsewhere. previous is nil on order and the current effective
// parameters on change, so that keys with changed: false are held.
//
// Every violation is reported, each naming the key and the rule.
func ResolveParameters(plan string, spec api.PutPlanRequest, requested, previous map[string]any) (map[string]any, error) {
	var problems []string
	fail := func(key, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("parameter %q: %s", key, fmt.Sprintf(format, args...)))
	}
	keys := sortedKeys(spec.Metadata)
	for _, key := range sortedKeys(requested) {
		if _, ok := spec.Metadata[key]; !ok {
			msg := fmt.Sprintf("is not a parameter of plan %q", plan)
			if near := nearest(key, keys); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			} else if len(keys) > 0 {
				msg += fmt.Sprintf(" (its parameters: %s)", strings.Join(keys, ", "))
			}
			fail(key, "%s", msg)
		}
	}
	out := map[string]any{}
	for _, key := range keys {
		p := spec.Metadata[key]
		given, isGiven := requested[key]
		var def any
		if p.Default != nil {
			var err error
			if def, err = ConvertValue(p.Type, p.Default); err != nil {
				def = nil
			}
		}
		switch {
		case isGiven:
			v, err := ConvertValue(p.Type, given)
			if err != nil {
				fail(key, "%v (type %s)", err, p.Type)
				continue
			}
			sameAsDefault := def != nil && v == def
			if *p.ReadOnly && !sameAsDefault {
				fail(key, "is read_only: its value is set by the plan (%s)", describeDefault(def))
				continue
			}
			if plan != CustomPlanName && !sameAsDefault {
				fail(key, "cannot be set in plan %q: only the %q plan lets the purchaser set parameters (the plan's value is %s)", plan, CustomPlanName, describeDefault(def))
				continue
			}
			if err := checkRange(p, v); err != nil {
				fail(key, "%v", err)
				continue
			}
			out[key] = v
		case def != nil:
			out[key] = def
		case !*p.Optional:
			fail(key, "is required (optional: false) and has no default")
			continue
		}
		if previous != nil && !*p.Changed {
			before, had := previous[key]
			after, has := out[key]
			if had != has || (had && !sameValue(p.Type, before, after)) {
				fail(key, "cannot be changed after the instance is created (changed: false): it is %s, the request makes it %s", describeValue(before, had), describeValue(after, has))
			}
		}
	}
	if len(problems) > 0 {
		return nil, invalid("Parameters", "%s", strings.Join(problems, "; "))
	}
	return out, nil
}

func sameValue(typ string, a, b any) bool {
	ca, errA := ConvertValue(typ, a)
	cb, errB := ConvertValue(typ, b)
	return errA == nil && errB == nil && ca == cb
}

func describeDefault(def any) string {
	if def == nil {
		return "unset"
	}
	return describe(def)
}

func describeValue(v any, present bool) string {
	if !present {
		return "unset"
	}
	return describe(v)
}
