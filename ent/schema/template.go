package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Template is a config-center template set: a draft plus immutable versions.
type Template struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Template) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "tpl"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Template) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64).Annotations(entgql.OrderField("NAME")),
		field.Text("description").Default(""),
		field.Enum("kind").Values("K8S", "MESOS").Immutable(),
		field.Text("draft").Default("").Comment("Editable content; versions freeze it.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)), // may hold Secret payloads: never an oracle
		field.Bool("locked").Default(false),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
	}
}

// Edges implements ent.Schema.
func (Template) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("templates").Field("project_id").Unique().Required().Immutable(),
		edge.To("versions", TemplateVersion.Type).Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes implements ent.Schema.
func (Template) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "name").Unique()}
}

// Annotations implements ent.Schema.
func (Template) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}

// TemplateVersion is an immutable snapshot of a template's content.
type TemplateVersion struct{ ent.Schema }

// Mixin implements ent.Schema.
func (TemplateVersion) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "tpv"}} }

// Fields implements ent.Schema.
func (TemplateVersion) Fields() []ent.Field {
	return []ent.Field{
		field.String("label").NotEmpty().MaxLen(64).Immutable().Annotations(entgql.OrderField("LABEL")),
		field.Text("note").Default("").Immutable(),
		field.Text("content").Immutable().Annotations(entgql.Skip(entgql.SkipWhereInput)), // as Template.draft
		field.String("digest").Immutable().Comment("SHA-256 of content.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)), // a guess at a hidden Secret value is tested against it
		field.String("created_by").Default("").Immutable(),
		field.Time("created_at").Immutable().Annotations(entgql.OrderField("CREATED_AT")),
		field.String("template_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
	}
}

// Edges implements ent.Schema.
func (TemplateVersion) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("template", Template.Type).Ref("versions").Field("template_id").Unique().Required().Immutable(),
		edge.To("instances", Instance.Type).Annotations(entgql.RelayConnection()),
	}
}

// Indexes implements ent.Schema.
func (TemplateVersion) Indexes() []ent.Index {
	return []ent.Index{index.Fields("template_id", "label").Unique()}
}

// Annotations implements ent.Schema.
func (TemplateVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
