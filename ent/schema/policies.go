package schema

import (
	"entgo.io/ent"

	"github.com/bcs-io/bcs/internal/authz"
)

// Policies: every type confines its reads (see package authz).

// Policy implements ent.Schema.
func (Project) Policy() ent.Policy { return policyWith(authz.OwnProjects()) }

// Policy implements ent.Schema.
func (User) Policy() ent.Policy { return policyWith(authz.VisibleUsers()) }

// Policy implements ent.Schema.
func (Member) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Token) Policy() ent.Policy { return policyWith(authz.OwnRows()) }

// Policy implements ent.Schema.
func (Cluster) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (ClusterNode) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Namespace) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Workload) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Pod) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Change) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Template) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (TemplateVersion) Policy() ent.Policy { return policyWith(authz.VersionsOfVisibleTemplates()) }

// Policy implements ent.Schema.
func (Variable) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Instance) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (AuditEntry) Policy() ent.Policy { return policyWith(authz.AuditOfOwnedProjects()) }

// Policy implements ent.Schema.
func (Operation) Policy() ent.Policy { return projectScopedPolicy() }

// Policy implements ent.Schema.
func (Lease) Policy() ent.Policy { return policyWith(authz.AdminOnly()) }
