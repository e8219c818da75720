package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is a person or robot account that acts through API tokens.
type User struct{ ent.Schema }

// Mixin implements ent.Schema.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "usr"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64).Unique().Immutable().
			Annotations(entgql.OrderField("NAME")),
		field.String("display_name").Default(""),
		// Not filterable: a filter reads its field on every user the caller
		// sees, and co-members' emails, admin and disabled flags are private
		// to the user and platform admins (see resolvers.ownProfile).
		field.String("email").Optional().Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Bool("admin").Default(false).Comment("Platform administrators may do everything.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Bool("disabled").Default(false).Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges implements ent.Schema.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		// A visible user's memberships reach projects the caller is not in:
		// as a where predicate the subquery would bypass the privacy rules
		// (a blind read of other tenants one count at a time), so there is
		// none. User.memberships itself resolves through those rules.
		edge.To("memberships", Member.Type).Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		edge.To("tokens", Token.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Annotations implements ent.Schema.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.QueryField()}
}
