package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Change is one entry of the change log. Revisions are global, gap-free and
// strictly increasing: subscribers resume from the last one they saw.
type Change struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Change) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "chg"}} }

// Fields implements ent.Schema.
func (Change) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("revision").Unique().Immutable().Annotations(entgql.OrderField("REVISION")),
		field.String("cluster_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		field.String("kind").Immutable(),
		field.String("namespace").Default("").Immutable(),
		field.String("name").Immutable(),
		field.String("object_id").GoType(gidType()).Annotations(entgql.Type("ID")).Optional().Immutable().
			Comment("Global ID of the stored row the change touched, when it has one."),
		field.Enum("type").Values("ADDED", "MODIFIED", "DELETED").Immutable(),
		frozenObjectField("object"),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Indexes implements ent.Schema.
func (Change) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "revision"),
		index.Fields("cluster_id", "revision"),
		index.Fields("created_at"),
	}
}

// Annotations implements ent.Schema. The log is read through changes(since:…),
// not a Relay connection: revisions are the cursor.
func (Change) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
