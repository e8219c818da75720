package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/bcs-io/bcs/ent/privacy"
	"github.com/bcs-io/bcs/internal/authz"
)

// ExecSession is one exec, attach or port-forward session through the
// Kubernetes proxy: who, where, what ran and how it ended, and, when the
// project records sessions, what the terminal showed (asciicast v2). Only
// BCS itself writes it; only project owners read it.
type ExecSession struct{ ent.Schema }

// Mixin implements ent.Schema.
func (ExecSession) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "exs"}} }

// Fields implements ent.Schema.
func (ExecSession) Fields() []ent.Field {
	return []ent.Field{
		field.String("project_id").Immutable(),
		field.String("cluster_id").Immutable(),
		field.String("user").Immutable().Comment("BCS user name."),
		field.Enum("kind").Values("EXEC", "ATTACH", "PORTFORWARD").Immutable(),
		field.String("protocol").Default("").Immutable().
			Comment("v5.channel.k8s.io, v4.channel.k8s.io or SPDY/3.1 (passed through, never recorded)."),
		field.String("namespace").Immutable(),
		field.String("pod").Immutable(),
		field.String("container").Default("").Immutable(),
		field.Strings("command").Optional().Immutable(),
		field.Bool("tty").Default(false).Immutable(),
		field.Bool("stdin").Default(false).Immutable(),
		field.Time("started_at").Default(time.Now).Immutable().Annotations(entgql.OrderField("STARTED_AT")),
		field.Time("ended_at").Optional().Nillable(),
		field.String("status").Default("").
			Comment("How it ended: `exit 0`, `exit 3`, `idle timeout`, `refused: 403 Forbidden` …"),
		field.Int("exit_code").Optional().Nillable(),
		field.Bool("recorded").Default(false).Immutable(),
		field.Bytes("recording").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("asciicast v2, capped; served by the execSession resolver."),
		field.Int("recording_size").Default(0),
		field.Bool("truncated").Default(false).Comment("The recording hit the size cap and stops early."),
	}
}

// Indexes implements ent.Schema.
func (ExecSession) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "started_at")}
}

// Annotations implements ent.Schema.
func (ExecSession) Annotations() []schema.Annotation {
	// No where input: nothing lists sessions but execSessions, which
	// filters by project itself.
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)}
}

// Policy implements ent.Schema: owners read (the audit rule), nobody but BCS
// writes.
func (ExecSession) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{authz.AuditedProjects()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
