package provider

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The GetService data sources mirror api.Service field by field, nested as in the seed. Their
// schema and values are derived from the wire type itself, so that the two cannot drift:
// a field added to the API appears in the data source.

// snake turns a wire name into a Terraform one: ServiceDocUrl -> service_doc_url.
func snake(name string) string {
	var b strings.Builder
	runes := []rune(name)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(runes[i-1]) || unicode.IsDigit(runes[i-1]))
			nextLower := i > 0 && i+1 < len(runes) && unicode.IsUpper(runes[i-1]) && unicode.IsLower(runes[i+1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wireFields lists a struct's JSON fields, skipping those in skip.
func wireFields(t reflect.Type, skip map[string]bool) []reflect.StructField {
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || skip[name] {
			continue
		}
		out = append(out, f)
	}
	return out
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// attrType is the Terraform type of a wire type.
func attrType(t reflect.Type) attr.Type {
	switch t.Kind() {
	case reflect.String:
		return types.StringType
	case reflect.Bool:
		return types.BoolType
	case reflect.Int, reflect.Int64:
		return types.Int64Type
	case reflect.Float64:
		return types.Float64Type
	case reflect.Slice:
		return types.ListType{ElemType: attrType(t.Elem())}
	case reflect.Map:
		return types.MapType{ElemType: attrType(t.Elem())}
	case reflect.Struct:
		return types.ObjectType{AttrTypes: objectAttrTypes(t, nil)}
	}
	panic(fmt.Sprintf("no Terraform type for %s", t))
}

func objectAttrTypes(t reflect.Type, skip map[string]bool) map[string]attr.Type {
	out := map[string]attr.Type{}
	for _, f := range wireFields(t, skip) {
		out[snake(jsonName(f))] = attrType(f.Type)
	}
	return out
}

// computedAttributes is a data source schema for a struct's fields, all computed.
func computedAttributes(t reflect.Type, skip map[string]bool) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, f := range wireFields(t, skip) {
		out[snake(jsonName(f))] = computedAttribute(f.Type)
	}
	return out
}

func computedAttribute(t reflect.Type) schema.Attribute {
	switch t.Kind() {
	case reflect.String:
		return schema.StringAttribute{Computed: true}
	case reflect.Bool:
		return schema.BoolAttribute{Computed: true}
	case reflect.Int, reflect.Int64:
		return schema.Int64Attribute{Computed: true}
	case reflect.Float64:
		return schema.Float64Attribute{Computed: true}
	case reflect.Map:
		return schema.MapAttribute{Computed: true, ElementType: attrType(t.Elem())}
	case reflect.Struct:
		return schema.SingleNestedAttribute{Computed: true, Attributes: computedAttributes(t, nil)}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return schema.ListNestedAttribute{Computed: true, NestedObject: schema.NestedAttributeObject{Attributes: computedAttributes(t.Elem(), nil)}}
		}
		return schema.ListAttribute{Computed: true, ElementType: attrType(t.Elem())}
	}
	panic(fmt.Sprintf("no Terraform attribute for %s", t))
}

// wireValue is the Terraform value of a wire value.
func wireValue(v reflect.Value) attr.Value {
	switch v.Kind() {
	case reflect.String:
		return types.StringValue(v.String())
	case reflect.Bool:
		return types.BoolValue(v.Bool())
	case reflect.Int, reflect.Int64:
		return types.Int64Value(v.Int())
	case reflect.Float64:
		return types.Float64Value(v.Float())
	case reflect.Slice:
		elems := make([]attr.Value, v.Len())
		for i := range elems {
			elems[i] = wireValue(v.Index(i))
		}
		return types.ListValueMust(attrType(v.Type().Elem()), elems)
	case reflect.Map:
		elems := map[string]attr.Value{}
		for _, k := range v.MapKeys() {
			elems[k.String()] = wireValue(v.MapIndex(k))
		}
		return types.MapValueMust(attrType(v.Type().Elem()), elems)
	case reflect.Struct:
		return types.ObjectValueMust(objectAttrTypes(v.Type(), nil), wireAttributes(v, nil))
	}
	panic(fmt.Sprintf("no Terraform value for %s", v.Type()))
}

// wireAttributes are a struct's fields as Terraform values, by attribute name.
func wireAttributes(v reflect.Value, skip map[string]bool) map[string]attr.Value {
	out := map[string]attr.Value{}
	for _, f := range wireFields(v.Type(), skip) {
		out[snake(jsonName(f))] = wireValue(v.FieldByIndex(f.Index))
	}
	return out
}
