package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Variable is a value substituted for {{ key }} in templates. The narrowest
// scope wins: namespace over cluster over global.
type Variable struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Variable) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "var"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Variable) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().MaxLen(64).Annotations(entgql.OrderField("KEY")),
		field.String("value").Default("").Annotations(entgql.Skip(entgql.SkipWhereInput)), // often a password: never an oracle
		field.Bool("secret").Default(false).
			Comment("A secret variable's value is write-only: value answers [REDACTED]."),
		// Sealed with the server's secrets box, bound to the variable's ID;
		// value stays empty. Out of GraphQL entirely, filters included.
		field.Bytes("sealed_value").Optional().Sensitive().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("description").Default(""),
		field.Enum("scope").Values("GLOBAL", "CLUSTER", "NAMESPACE").Default("GLOBAL"),
		field.String("cluster_id").Default("").Comment("Set for CLUSTER and NAMESPACE scope."),
		field.String("namespace").Default("").Comment("Set for NAMESPACE scope."),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
	}
}

// Edges implements ent.Schema.
func (Variable) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("variables").Field("project_id").Unique().Required().Immutable(),
	}
}

// Indexes implements ent.Schema.
func (Variable) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "key", "scope", "cluster_id", "namespace").Unique()}
}

// Annotations implements ent.Schema.
func (Variable) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Instance is one template version instantiated into one namespace.
type Instance struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Instance) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "ins"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Instance) Fields() []ent.Field {
	return []ent.Field{
		field.String("namespace").NotEmpty(),
		field.Enum("status").Values("PENDING", "APPLYING", "READY", "PARTIAL", "FAILED", "DELETING").Default("PENDING"),
		objectField("objects"), // per-object status: kind, name, status, message
		field.JSON("variables", Labels{}).Optional().Annotations(entgql.Type("StringMap")),
		field.String("previous_version_id").GoType(gidType()).Annotations(entgql.Type("ID")).Optional().Nillable(),
		field.String("cluster_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		field.String("version_id").GoType(gidType()).Annotations(entgql.Type("ID")),
	}
}

// Edges implements ent.Schema.
func (Instance) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("version", TemplateVersion.Type).Ref("instances").Field("version_id").Unique().Required(),
	}
}

// Indexes implements ent.Schema.
func (Instance) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id"), index.Fields("cluster_id", "namespace")}
}

// Annotations implements ent.Schema.
func (Instance) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
