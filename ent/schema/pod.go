package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Pod is a Kubernetes pod or a Mesos task, as observed.
type Pod struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Pod) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "pod"}} }

// Fields implements ent.Schema.
func (Pod) Fields() []ent.Field {
	return append(observedFields(),
		field.String("namespace").Annotations(entgql.OrderField("NAMESPACE")),
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
		field.String("phase").Default("").Comment("Pod phase, or Mesos task state."),
		field.String("node_name").Default(""),
		field.String("pod_ip").Default(""),
		field.String("host_ip").Default(""),
		field.Int("restarts").Default(0),
		field.String("owner_kind").Default(""),
		field.String("owner_name").Default(""),
		field.JSON("images", []string{}).Optional(),
		labelsField("labels"),
		field.Time("started_at").Optional().Nillable(),
		field.String("workload_id").GoType(gidType()).Annotations(entgql.Type("ID")).Optional().Nillable(),
	)
}

// Edges implements ent.Schema.
func (Pod) Edges() []ent.Edge {
	return []ent.Edge{
		clusterEdge("pods"),
		edge.From("workload", Workload.Type).Ref("pods").Field("workload_id").Unique(),
	}
}

// Indexes implements ent.Schema.
func (Pod) Indexes() []ent.Index {
	return []ent.Index{index.Fields("cluster_id", "namespace", "name").Unique(), index.Fields("project_id")}
}

// Annotations implements ent.Schema.
func (Pod) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}
