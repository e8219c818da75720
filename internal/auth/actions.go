package auth

import "github.com/bcs-io/bcs/ent/member"

// Action is one of BCS's IAM actions (bk-bcs-saas support-files/iam).
type Action string

// The actions BCS checks.
const (
	ProjectView   Action = "project_view"
	ProjectEdit   Action = "project_edit"
	ProjectDelete Action = "project_delete"

	ClusterCreate Action = "cluster_create"
	ClusterView   Action = "cluster_view"
	ClusterManage Action = "cluster_manage"
	ClusterDelete Action = "cluster_delete"
	ClusterUse    Action = "cluster_use"

	NamespaceCreate Action = "namespace_create"
	NamespaceView   Action = "namespace_view"
	NamespaceUpdate Action = "namespace_update"
	NamespaceDelete Action = "namespace_delete"
	NamespaceUse    Action = "namespace_use"

	TemplateCreate      Action = "templateset_create"
	TemplateView        Action = "templateset_view"
	TemplateUpdate      Action = "templateset_update"
	TemplateDelete      Action = "templateset_delete"
	TemplateInstantiate Action = "templateset_instantiate"

	// MemberManage covers addMember, updateMemberRole and removeMember.
	MemberManage Action = "project_member_manage"
	// AuditView reads a project's audit log (and its exec sessions).
	AuditView Action = "project_audit_view"
	// ExecRecordingManage switches the recording of exec sessions.
	ExecRecordingManage Action = "project_exec_recording_manage"
)

var (
	viewActions = []Action{ProjectView, ClusterView, NamespaceView, TemplateView}
	devActions  = append(append([]Action{}, viewActions...),
		ClusterUse, NamespaceCreate, NamespaceUpdate, NamespaceUse,
		TemplateCreate, TemplateUpdate, TemplateInstantiate)
	maintainerActions = append(append([]Action{}, devActions...),
		ProjectEdit, ClusterCreate, ClusterManage, NamespaceDelete, TemplateDelete, MemberManage)
	ownerActions = append(append([]Action{}, maintainerActions...),
		ProjectDelete, ClusterDelete, AuditView, ExecRecordingManage)
)

// roleActions maps each project role to what it may do. Every action implies
// the view actions of its parents, as in BCS's IAM.
var roleActions = map[member.Role]map[Action]bool{
	member.RoleVIEWER:     set(viewActions),
	member.RoleDEVELOPER:  set(devActions),
	member.RoleMAINTAINER: set(maintainerActions),
	member.RoleOWNER:      set(ownerActions),
}

func set(actions []Action) map[Action]bool {
	m := make(map[Action]bool, len(actions))
	for _, a := range actions {
		m[a] = true
	}
	return m
}

// RoleAllows reports whether role grants action.
func RoleAllows(role member.Role, action Action) bool { return roleActions[role][action] }

// roleOrder ranks roles from least to most powerful.
var roleOrder = map[member.Role]int{
	member.RoleVIEWER: 1, member.RoleDEVELOPER: 2, member.RoleMAINTAINER: 3, member.RoleOWNER: 4,
}

// RoleRank orders roles: VIEWER < DEVELOPER < MAINTAINER < OWNER (0 for an
// unknown role). Nobody may grant, change or remove a role above their own.
func RoleRank(r member.Role) int { return roleOrder[r] }
