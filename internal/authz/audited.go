package authz

import (
	"context"

	"github.com/bcs-io/bcs/ent/privacy"
	"github.com/bcs-io/bcs/internal/auth"
)

// AuditedProjects confines rows with a project_id to the projects whose
// audit log the viewer may read (owners): exec sessions and their
// recordings are audit material.
func AuditedProjects() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
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
		return in(f, "project_id", owned)
	})
}
