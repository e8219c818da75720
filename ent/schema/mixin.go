// Package schema holds BCS's storage model. Annotations here decide the
// GraphQL API as well: Relay connections, where-filters, ordering and the
// create/update inputs come from them, so list resolvers stay one line.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/bcs-io/bcs/ent/schema/gid"
)

// IDMixin gives a type a prefixed global ID (see package gid).
type IDMixin struct {
	mixin.Schema
	Prefix string
}

// Fields implements ent.Mixin.
func (m IDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			GoType(gid.ID("")).
			DefaultFunc(func() gid.ID { return gid.New(m.Prefix) }).
			Immutable(),
	}
}

// Annotations records the prefix so code outside ent can map IDs to tables.
func (m IDMixin) Annotations() []schema.Annotation {
	return []schema.Annotation{PrefixAnnotation{Prefix: m.Prefix}}
}

// PrefixAnnotation carries a type's global ID prefix into code generation.
type PrefixAnnotation struct{ Prefix string }

// Name implements schema.Annotation.
func (PrefixAnnotation) Name() string { return "GIDPrefix" }

// TimeMixin adds creation and update times, both orderable.
type TimeMixin struct{ mixin.Schema }

// Fields implements ent.Mixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput)),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Labels is a string map stored as JSON (Kubernetes labels, Mesos labels).
type Labels = map[string]string

// Quantities holds resource amounts by name ("cpu", "memory", "pods").
type Quantities = map[string]string

// key returns the federation @key(fields: "id") directive.
func federationKey() entgql.Directive {
	return entgql.NewDirective("key", stringArg("fields", "id"))
}
