package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// Lease is a named, expiring lock held in the database, so that exactly one
// replica runs a given job (e.g. the datawatch of one cluster) at a time.
// Epoch grows with every change of holder and fences out a stale one.
type Lease struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Lease) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "lse"}} }

// Fields implements ent.Schema.
func (Lease) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Unique().Immutable(),
		field.String("holder").Default(""),
		field.Int64("epoch").Default(0),
		field.Time("expires_at"),
		field.Time("renewed_at").Default(time.Now),
	}
}

// Annotations implements ent.Schema. Leases are internal: not in the API.
func (Lease) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
