package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Project groups clusters, templates and people; it is the unit of tenancy.
type Project struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Project) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "prj"}, TimeMixin{}}
}

// Fields implements ent.Schema. Validation lives in the resolvers' input
// checks so that users get messages naming the field; these are the last line.
func (Project) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64).Unique().
			Annotations(entgql.OrderField("NAME")),
		field.String("code").NotEmpty().MaxLen(32).Unique().Immutable().
			Comment("URL-safe slug, fixed at creation (English name in the original).").
			Annotations(entgql.OrderField("CODE")),
		field.Text("description").Default(""),
		field.String("business_id").Optional().
			Comment("CMDB business this project belongs to."),
		field.Bool("archived").Default(false),
		field.Bool("exec_recording").Default(false).
			Comment("Record exec and attach sessions through the Kubernetes proxy; owners switch it (setExecRecording).").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// Switches of the Kubernetes proxy, set by owners through
		// setKubectlSettings (graph/kubeproxy.graphqls shows them as
		// MemberRole values, hence no GraphQL of their own).
		field.Enum("exec_min_role").Values("OWNER", "MAINTAINER", "DEVELOPER", "VIEWER").Default("DEVELOPER").
			Annotations(entgql.Skip()).
			Comment("The lowest project role that may exec, attach or port-forward through the Kubernetes proxy."),
		field.Enum("kubeconfig_min_role").Values("OWNER", "MAINTAINER", "DEVELOPER", "VIEWER").Default("VIEWER").
			Annotations(entgql.Skip()).
			Comment("The lowest project role that may download a kubeconfig."),
	}
}

// Edges implements ent.Schema.
func (Project) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("members", Member.Type).Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("clusters", Cluster.Type).Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("templates", Template.Type).Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("variables", Variable.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes implements ent.Schema.
func (Project) Indexes() []ent.Index {
	return []ent.Index{index.Fields("created_at")}
}

// Annotations implements ent.Schema.
func (Project) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		entgql.Directives(federationKey()),
	}
}
