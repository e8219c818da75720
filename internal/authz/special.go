package authz

import (
	"context"

	"entgo.io/ent/entql"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/privacy"
	"github.com/bcs-io/bcs/ent/template"
	"github.com/bcs-io/bcs/ent/templateversion"
	"github.com/bcs-io/bcs/internal/auth"
)

// VisibleUsers lets a viewer see themselves and the members of their
// projects (member lists must resolve their users), nobody else.
func VisibleUsers() privacy.QueryRule {
	return privacy.UserQueryRuleFunc(func(ctx context.Context, q *ent.UserQuery) error {
		v, decision := viewerOrDeny(ctx)
		if v == nil {
			return decision
		}
		q.Filter().Where(entql.Or(
			entql.FieldEQ("id", string(v.UserID)),
			entql.HasEdgeWith("memberships", entql.FieldIn("project_id", anySlice(projectStrings(v))...)),
		))
		return privacy.Skip
	})
}

// VersionsOfVisibleTemplates confines template versions through their template.
func VersionsOfVisibleTemplates() privacy.QueryRule {
	return privacy.TemplateVersionQueryRuleFunc(func(ctx context.Context, q *ent.TemplateVersionQuery) error {
		v, decision := viewerOrDeny(ctx)
		if v == nil {
			return decision
		}
		q.Where(templateversion.HasTemplateWith(template.ProjectIDIn(v.ProjectIDs()...)))
		return privacy.Skip
	})
}

// AuditOfOwnedProjects lets project owners read their project's audit log.
func AuditOfOwnedProjects() privacy.QueryRule {
	return privacy.AuditEntryQueryRuleFunc(func(ctx context.Context, q *ent.AuditEntryQuery) error {
		v, decision := viewerOrDeny(ctx)
		if v == nil {
			return decision
		}
		var owned []string
		for _, id := range v.ProjectIDs() {
			if v.Can(auth.AuditView, id) {
				owned = append(owned, string(id))
			}
		}
		q.Filter().Where(entql.FieldIn("project_id", anySlice(owned)...))
		return privacy.Skip
	})
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
