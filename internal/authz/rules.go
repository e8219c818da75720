// Package authz holds the ent privacy rules that confine every read to the
// viewer's projects. ent/schema attaches them to each type's Policy, so they
// hold for lists, edges, node(id), federation _entities and subscriptions
// alike: no resolver can forget them.
//
// Writes are allowed through to the resolvers, which check the precise IAM
// action (auth.Viewer.Can) and answer FORBIDDEN naming it; anonymous writes
// are denied here as a last line.
package authz

import (
	"context"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/entql"

	"github.com/bcs-io/bcs/ent/privacy"
	"github.com/bcs-io/bcs/internal/auth"
)

// wherer is implemented by every type's entql filter.
type wherer interface {
	Where(entql.P)
}

// in confines a filter's column to values (none: no rows).
func in(f privacy.Filter, column string, values []string) error {
	w, ok := f.(wherer)
	if !ok {
		return privacy.Denyf("type %T cannot be filtered", f)
	}
	w.Where(entql.FieldIn(column, anySlice(values)...))
	return privacy.Skip
}

// viewerOrDeny returns the viewer, or a decision for callers without one
// and for viewers that ended (a subscription or socket outliving its
// token or membership reads nothing more).
func viewerOrDeny(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, privacy.Denyf("anonymous access")
	}
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", privacy.Deny, err)
	}
	if v.Admin {
		return nil, privacy.Allow
	}
	return v, nil
}

func projectStrings(v *auth.Viewer) []string {
	ids := v.ProjectIDs()
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// ProjectScoped confines rows with a project_id to the viewer's projects.
func ProjectScoped() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v, decision := viewerOrDeny(ctx)
		if v == nil {
			return decision
		}
		return in(f, "project_id", projectStrings(v))
	})
}

// OwnProjects confines projects themselves to the viewer's memberships.
func OwnProjects() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v, decision := viewerOrDeny(ctx)
		if v == nil {
			return decision
		}
		return in(f, "id", projectStrings(v))
	})
}

// OwnRows confines rows with a user_id (tokens) to the viewer's own.
func OwnRows() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v, decision := viewerOrDeny(ctx)
		if v == nil {
			return decision
		}
		return in(f, "user_id", []string{string(v.UserID)})
	})
}

// AdminOnly lets platform admins (and BCS itself) read a type.
func AdminOnly() privacy.QueryRule {
	return privacy.QueryRuleFunc(func(ctx context.Context, _ ent.Query) error {
		_, decision := viewerOrDeny(ctx)
		if decision == nil {
			return privacy.Denyf("admins only")
		}
		return decision
	})
}

// SignedIn allows any authenticated write through to the resolvers' action
// checks, and denies anonymous ones.
func SignedIn() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		v := auth.FromContext(ctx)
		if v == nil {
			return privacy.Denyf("anonymous write")
		}
		if err := v.Err(); err != nil {
			return fmt.Errorf("%w: %w", privacy.Deny, err)
		}
		return privacy.Allow
	})
}
