package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ChartRepository is a project's Helm chart repository: an OCI registry
// path (oci://host/path) or a classic HTTP repository (an index.yaml).
// Its password is sealed like a cluster's kubeconfig and never returned.
type ChartRepository struct{ ent.Schema }

// Mixin implements ent.Schema.
func (ChartRepository) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "crp"}, TimeMixin{}}
}

// Fields implements ent.Schema.
func (ChartRepository) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(63),
		field.String("url").NotEmpty().MaxLen(2048).Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Enum("kind").Values("OCI", "HTTP"),
		field.String("username").Default("").Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// Sealed with the server's secrets box, bound to the repository's
		// ID. Out of GraphQL entirely, filters included.
		field.Bytes("sealed_password").Optional().Sensitive().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bool("plain_http").Default(false).
			Comment("Talk to an OCI registry over HTTP instead of HTTPS."),
		// Added by someone other than a platform admin: reached only within
		// the cluster-address policy, as such users' clusters are.
		field.Bool("restricted").Default(false).Immutable().Annotations(entgql.Skip()),
		field.String("created_by").Default(""),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
	}
}

// Indexes implements ent.Schema.
func (ChartRepository) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "name").Unique()}
}

// Annotations implements ent.Schema. Repositories are listed per project
// (chartRepositories), not through a connection: no where-filters to review.
func (ChartRepository) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)}
}

// Policy implements ent.Schema.
func (ChartRepository) Policy() ent.Policy { return projectScopedPolicy() }
