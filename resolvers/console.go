package resolvers

import (
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/auth"
)

// viewerCan answers from the viewer's memberships, loaded once when the
// token was authenticated: a page of projects costs no query more.
func viewerCan(v *auth.Viewer, project gid.ID) *model.ProjectPermissions {
	can := func(a auth.Action) bool { return v.Can(a, project) }
	p := &model.ProjectPermissions{
		ProjectEdit: can(auth.ProjectEdit), ProjectDelete: can(auth.ProjectDelete),
		MemberManage: can(auth.MemberManage), AuditView: can(auth.AuditView),
		ClusterCreate: can(auth.ClusterCreate), ClusterManage: can(auth.ClusterManage),
		ClusterDelete: can(auth.ClusterDelete), ClusterUse: can(auth.ClusterUse),
		NamespaceCreate: can(auth.NamespaceCreate), NamespaceUpdate: can(auth.NamespaceUpdate),
		NamespaceDelete: can(auth.NamespaceDelete), NamespaceUse: can(auth.NamespaceUse),
		TemplateCreate: can(auth.TemplateCreate), TemplateUpdate: can(auth.TemplateUpdate),
		TemplateDelete: can(auth.TemplateDelete), TemplateInstantiate: can(auth.TemplateInstantiate),
	}
	if v != nil {
		if role, ok := v.Roles[project]; ok {
			p.Role = &role
		}
	}
	return p
}
