package schema

import (
	"github.com/bcs-io/bcs/ent/privacy"
	"github.com/bcs-io/bcs/internal/authz"
)

// projectScopedPolicy confines reads to the viewer's projects; writes are
// checked action by action in the resolvers.
func projectScopedPolicy() privacy.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{authz.ProjectScoped()},
		Mutation: privacy.MutationPolicy{authz.SignedIn()},
	}
}

func policyWith(q privacy.QueryRule) privacy.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{q},
		Mutation: privacy.MutationPolicy{authz.SignedIn()},
	}
}
