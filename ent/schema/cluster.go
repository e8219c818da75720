package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Cluster is a registered Kubernetes or Mesos cluster.
type Cluster struct{ ent.Schema }

// Mixin implements ent.Schema.
func (Cluster) Mixin() []ent.Mixin { return []ent.Mixin{IDMixin{Prefix: "cls"}, TimeMixin{}} }

// Fields implements ent.Schema.
func (Cluster) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64).Annotations(entgql.OrderField("NAME")),
		field.Enum("kind").Values("K8S", "MESOS").Immutable().Annotations(entgql.OrderField("KIND")),
		field.Enum("environment").Values("DEV", "TEST", "PROD").Default("DEV").Annotations(entgql.OrderField("ENVIRONMENT")),
		field.Enum("status").
			Values("REGISTERING", "CHECKING", "NORMAL", "UNREACHABLE", "REMOVING", "REMOVED").
			Default("REGISTERING").Annotations(entgql.OrderField("STATUS")),
		field.String("status_message").Default(""),
		field.String("version").Default(""),
		field.String("endpoint").Default("").Comment("API server URL, ZooKeeper address or Mesos master URL.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)), // a master URL may carry credentials
		field.Bytes("credentials").Optional().Sensitive().Annotations(entgql.Skip()).
			Comment("AES-GCM sealed kubeconfig or Mesos credentials; never leaves the server."),
		field.JSON("capacity", Quantities{}).Optional().Annotations(entgql.Type("StringMap")),
		labelsField("labels"),
		field.Time("last_seen_at").Optional().Nillable(),
		field.Bytes("register_token_hash").Optional().Nillable().Sensitive().Annotations(entgql.Skip()).
			Comment("SHA-256 of the one-time token `bcs agent` presents first."),
		field.Time("register_token_expires_at").Optional().Nillable().Annotations(entgql.Skip()),
		field.Bytes("agent_key_hash").Optional().Nillable().Sensitive().Annotations(entgql.Skip()).
			Comment("SHA-256 of the key the agent reports with after registering."),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		field.Bool("restricted").Default(false).Immutable().Annotations(entgql.Skip()).
			Comment("Registered by a user who is not a platform admin: BCS dials it only within the cluster-address policy (--cluster-networks), for as long as it exists."),
	}
}

// Edges implements ent.Schema.
func (Cluster) Edges() []ent.Edge {
	skip := entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("clusters").Field("project_id").Unique().Required().Immutable(),
		edge.To("nodes", ClusterNode.Type).Annotations(entgql.RelayConnection(), skip),
		edge.To("namespaces", Namespace.Type).Annotations(entgql.RelayConnection(), skip),
		edge.To("workloads", Workload.Type).Annotations(entgql.RelayConnection(), skip),
		edge.To("pods", Pod.Type).Annotations(entgql.RelayConnection(), skip),
	}
}

// Indexes implements ent.Schema.
func (Cluster) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "name").Unique()}
}

// Annotations implements ent.Schema.
func (Cluster) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(), entgql.QueryField(), entgql.MultiOrder(),
		entgql.Directives(federationKey()),
	}
}

// observedFields are shared by every row that datawatch writes from a cluster.
func observedFields() []ent.Field {
	return []ent.Field{
		field.String("cluster_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable(),
		field.String("project_id").GoType(gidType()).Annotations(entgql.Type("ID")).Immutable().
			Comment("Denormalised from the cluster so tenancy filters need no join."),
		field.String("resource_version").Default("").Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("observed_at").Default(time.Now),
	}
}

func clusterEdge(ref string) ent.Edge {
	return edge.From("cluster", Cluster.Type).Ref(ref).Field("cluster_id").Unique().Required().Immutable()
}
