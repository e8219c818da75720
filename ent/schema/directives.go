package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bcs-io/bcs/ent/schema/gid"
)

func stringArg(name, value string) *ast.Argument {
	return &ast.Argument{Name: name, Value: &ast.Value{Raw: value, Kind: ast.StringValue}}
}

// labelsField is a JSON string map exposed to GraphQL as the StringMap scalar.
func labelsField(name string) ent.Field {
	return field.JSON(name, Labels{}).Optional().Annotations(entgql.Type("StringMap"))
}

// objectField is free-form JSON exposed to GraphQL as the Map scalar.
func objectField(name string) ent.Field {
	return field.JSON(name, map[string]any{}).Optional().Annotations(entgql.Type("Map"))
}

// frozenObjectField is objectField for values that never change once written.
func frozenObjectField(name string) ent.Field {
	return field.JSON(name, map[string]any{}).Optional().Immutable().Annotations(entgql.Type("Map"))
}

func gidType() gid.ID { return "" }
