package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ClusterNode is a Kubernetes node or a Mesos agent, as datawatch last saw it.
// (GraphQL's Node is the Relay interface, hence the longer name.)
type ClusterNode struct{ ent.Schema }

// Mixin implements ent.Schema.
func (ClusterNode) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "nod"}} }

// Fields implements ent.Schema.
func (ClusterNode) Fields() []ent.Field {
	return append(observedFields(),
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
		field.String("status").Default("").Comment("Ready, NotReady, Unknown (Kubernetes); ACTIVE, LOST (Mesos)."),
		field.Bool("unschedulable").Default(false),
		field.String("internal_ip").Default(""),
		field.String("version").Default(""),
		field.JSON("roles", []string{}).Optional(),
		labelsField("labels"),
		field.JSON("taints", []string{}).Optional().Comment("key=value:Effect, as kubectl prints them."),
		field.JSON("capacity", Quantities{}).Optional().Annotations(entgql.Type("StringMap")),
		field.JSON("allocatable", Quantities{}).Optional().Annotations(entgql.Type("StringMap")),
	)
}

// Edges implements ent.Schema.
func (ClusterNode) Edges() []ent.Edge { return []ent.Edge{clusterEdge("nodes")} }

// Indexes implements ent.Schema.
func (ClusterNode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("cluster_id", "name").Unique(), index.Fields("project_id")}
}

// Annotations implements ent.Schema.
func (ClusterNode) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}
