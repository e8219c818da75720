package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Workload is a Kubernetes controller or a Mesos application, as observed.
type Workload struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Workload) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "wkl"}} }

// Fields implements ent.Schema.
func (Workload) Fields() []ent.Field {
	return append(observedFields(),
		field.Enum("kind").Values("DEPLOYMENT", "STATEFUL_SET", "DAEMON_SET", "JOB", "CRON_JOB",
			"MESOS_APPLICATION", "MESOS_DEPLOYMENT").Annotations(entgql.OrderField("KIND")),
		field.String("namespace").Annotations(entgql.OrderField("NAMESPACE")),
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
		field.Int("desired").Default(0),
		field.Int("ready").Default(0),
		field.Int("updated").Default(0),
		field.Int("available").Default(0),
		field.JSON("images", []string{}).Optional(),
		labelsField("labels"),
		objectField("spec"),
		objectField("status"),
	)
}

// Edges implements ent.Schema.
func (Workload) Edges() []ent.Edge {
	return []ent.Edge{
		clusterEdge("workloads"),
		edge.To("pods", Pod.Type).Annotations(entgql.RelayConnection()),
	}
}

// Indexes implements ent.Schema.
func (Workload) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("cluster_id", "kind", "namespace", "name").Unique(),
		index.Fields("project_id", "namespace"),
	}
}

// Annotations implements ent.Schema.
func (Workload) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.QueryField(), entgql.MultiOrder(), entgql.Directives(federationKey())}
}
