package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/bcs-io/bcs/internal/authz"
)

// Session is a console sign-in: a browser cookie standing for an API token.
// Only the SHA-256 of the cookie's secret is stored, so a database reader
// cannot ride a session; the row lives in the shared database so every
// replica sees a sign-out at once.
type Session struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Session) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "ses"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("hash").Sensitive().Unique().Immutable(),
		// The token the user signed in with: its revocation ends the
		// session. Its hash (as the tokens table keeps it) finds the cached
		// viewer without reading the token row on every request.
		field.String("token_id").GoType(gidType()).Immutable(),
		field.Bytes("token_hash").Sensitive().Immutable(),
		// Slides forward with use, never past the token's own expiry.
		field.Time("expires_at"),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Indexes implements ent.Schema: expired rows are swept by expiry.
func (Session) Indexes() []ent.Index {
	return []ent.Index{index.Fields("expires_at"), index.Fields("token_id")}
}

// Annotations implements ent.Schema. Sessions are internal: not in the API.
func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy implements ent.Schema: only BCS itself (auth.System) reads them.
func (Session) Policy() ent.Policy { return policyWith(authz.AdminOnly()) }
