package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Member gives a user a role in a project.
type Member struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Member) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "mem"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Member) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("role").Values("OWNER", "MAINTAINER", "DEVELOPER", "VIEWER").
			Annotations(entgql.OrderField("ROLE")),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		field.String("user_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
	}
}

// Edges implements ent.Schema.
func (Member) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("members").Field("project_id").Unique().Required().Immutable(),
		edge.From("user", User.Type).Ref("memberships").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes implements ent.Schema.
func (Member) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "user_id").Unique(),
		// Authentication loads a viewer's roles by user; without this every
		// uncached request scans all memberships.
		index.Fields("user_id"),
	}
}

// Annotations implements ent.Schema.
func (Member) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
