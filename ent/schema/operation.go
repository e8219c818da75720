package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Operation is an asynchronous change sent to an orchestrator. It is written
// before the cluster is called and updated with the outcome, so a database
// write is never rolled back after the cluster already changed.
type Operation struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Operation) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "opr"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Operation) Fields() []ent.Field {
	return []ent.Field{
		field.String("action").Immutable().Comment("APPLY, SCALE, RESTART, ROLLBACK, DELETE, …"),
		field.Enum("status").Values("PENDING", "RUNNING", "SUCCEEDED", "FAILED").Default("PENDING").
			Annotations(entgql.OrderField("STATUS")),
		field.String("target_kind").Default("").Immutable(),
		field.String("target_namespace").Default("").Immutable(),
		field.String("target_name").Default("").Immutable(),
		frozenObjectField("request"),
		objectField("result"),
		field.String("reason").Default(""),
		field.Text("message").Default(""),
		field.String("created_by").Default("").Immutable(),
		field.Time("started_at").Optional().Nillable(),
		field.Time("finished_at").Optional().Nillable(),
		field.String("cluster_id").GoType(gidType()).Annotations(entgql.Type("ID")).Optional().Immutable(),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		// runner is the process (its liveness lease holder) that carries the
		// operation out while it is PENDING or RUNNING; a survivor takes over
		// an operation whose runner's lease expired (internal/operations).
		field.String("runner").Default("").Annotations(entgql.Skip()),
		// replay is what a survivor needs to run an idempotent step again,
		// sealed (it may hold a manifest's Secrets); cleared at the end.
		field.Bytes("replay").Optional().Nillable().Sensitive().Annotations(entgql.Skip()),
	}
}

// Indexes implements ent.Schema.
func (Operation) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "created_at"), index.Fields("status", "runner")}
}

// Annotations implements ent.Schema.
func (Operation) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}
