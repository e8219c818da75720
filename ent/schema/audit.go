package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEntry records a mutation or a refused request: who, what, on what,
// with which (redacted) arguments, and how it ended.
type AuditEntry struct{ ent.Schema }

// Mixin implements ent.Schema.
func (AuditEntry) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "aud"}} }

// Fields implements ent.Schema.
func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.String("actor").Default("").Immutable(),
		field.String("actor_id").Default("").Immutable(),
		field.String("action").Immutable(),
		field.String("target_type").Default("").Immutable(),
		field.String("target_id").Default("").Immutable(),
		field.String("project_id").Default("").Immutable(),
		frozenObjectField("arguments"),
		field.Enum("result").Values("SUCCESS", "FAILURE", "DENIED").Immutable(),
		field.String("error").Default("").Immutable(),
		field.String("request_id").Default("").Immutable(),
		field.Time("created_at").Default(time.Now).Immutable().Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// Indexes implements ent.Schema.
func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "created_at"), index.Fields("created_at")}
}

// Annotations implements ent.Schema.
func (AuditEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
