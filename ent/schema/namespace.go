package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Namespace is a Kubernetes namespace (or a Mesos run-as namespace).
type Namespace struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Namespace) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "nsp"}} }

// Fields implements ent.Schema.
func (Namespace) Fields() []ent.Field {
	return append(observedFields(),
		field.String("name").NotEmpty().Annotations(entgql.OrderField("NAME")),
		field.String("status").Default(""),
		labelsField("labels"),
		field.JSON("quota", Quantities{}).Optional().Annotations(entgql.Type("StringMap")),
	)
}

// Edges implements ent.Schema.
func (Namespace) Edges() []ent.Edge { return []ent.Edge{clusterEdge("namespaces")} }

// Indexes implements ent.Schema.
func (Namespace) Indexes() []ent.Index {
	return []ent.Index{index.Fields("cluster_id", "name").Unique(), index.Fields("project_id")}
}

// Annotations implements ent.Schema.
func (Namespace) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder(), entgql.Directives(federationKey())}
}
