package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Token is an API token. Only its SHA-256 hash is stored; the secret is shown
// once, at creation.
type Token struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Token) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "tok"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Token) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64),
		field.Bytes("hash").Sensitive().Unique().Immutable().Annotations(entgql.Skip()),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
		field.String("user_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		// A kubeconfig's token is good for that one cluster's Kubernetes
		// proxy and nothing else (not /query, not another cluster).
		field.String("cluster_id").GoType(gidType()).Optional().Nillable().Immutable().
			Annotations(entgql.Type("ID"), entgql.Skip(entgql.SkipWhereInput)).
			Comment("Set on kubeconfig tokens: the one cluster whose Kubernetes proxy the token opens; it opens nothing else."),
	}
}

// Edges implements ent.Schema.
func (Token) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Field("user_id").Unique().Required().Immutable(),
	}
}

// Annotations implements ent.Schema.
func (Token) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
