package server

import (
	"sort"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/ent/member"
)

// A where input is an oracle: every predicate in it is evaluated by the
// database on rows the caller never receives, and the answer comes back as a
// count or a page. Privacy rules confine the rows a query returns, not the
// subqueries its edge predicates run, so what a where input may hold is
// reviewed here, field by field, against the schema the server serves.

// sameTenantEdges are the edge predicates a where input may keep, with why
// each cannot reach past the privacy rule that confined the outer rows: its
// neighbour always belongs to the outer row's project (the mutations refuse
// to link across projects). An edge predicate that is not listed fails
// TestWhereInputsHoldOnlyReviewedPredicates.
var sameTenantEdges = map[string]string{
	"ClusterNodeWhereInput.hasClusterWith":       "a node's cluster",
	"ClusterWhereInput.hasProjectWith":           "a cluster's project",
	"ClusterWhereInput.hasNodesWith":             "rows datawatch writes with the cluster's project",
	"ClusterWhereInput.hasNamespacesWith":        "rows datawatch writes with the cluster's project",
	"ClusterWhereInput.hasWorkloadsWith":         "rows datawatch writes with the cluster's project",
	"ClusterWhereInput.hasPodsWith":              "rows datawatch writes with the cluster's project",
	"InstanceWhereInput.hasVersionWith":          "instances are made and upgraded only with versions of a template of their project",
	"MemberWhereInput.hasProjectWith":            "a membership's project",
	"MemberWhereInput.hasUserWith":               "a member of a visible project is a visible user",
	"NamespaceWhereInput.hasClusterWith":         "a namespace's cluster",
	"PodWhereInput.hasClusterWith":               "a pod's cluster",
	"PodWhereInput.hasWorkloadWith":              "a pod's workload, in the same cluster",
	"ProjectWhereInput.hasMembersWith":           "the project's own memberships",
	"ProjectWhereInput.hasClustersWith":          "the project's own clusters",
	"ProjectWhereInput.hasTemplatesWith":         "the project's own templates",
	"TemplateVersionWhereInput.hasTemplateWith":  "a version's template",
	"TemplateVersionWhereInput.hasInstancesWith": "instances of a version live in the template's project",
	"TemplateWhereInput.hasProjectWith":          "a template's project",
	"TemplateWhereInput.hasVersionsWith":         "a template's versions",
	"TokenWhereInput.hasUserWith":                "a token's owner is the caller (no field takes a TokenWhereInput)",
	"VariableWhereInput.hasProjectWith":          "a variable's project (no field takes a VariableWhereInput)",
	"WorkloadWhereInput.hasClusterWith":          "a workload's cluster",
	"WorkloadWhereInput.hasPodsWith":             "pods of a workload, in the same cluster",
}

// filterable lists, per where input, the fields that may be filtered on:
// each is readable by every caller who can see the row. A field that is not
// listed (a new one) fails the test until it is reviewed; sensitive ones
// (template drafts and contents, variable values, emails, the admin flag,
// cluster endpoints, hashes, sealed credentials, JSON payloads) must not be.
var filterable = map[string][]string{
	"AuditEntry":      {"id", "actor", "actorID", "action", "targetType", "targetID", "projectID", "result", "error", "requestID", "createdAt"},
	"Change":          {"id", "revision", "clusterID", "projectID", "kind", "namespace", "name", "objectID", "type", "createdAt"},
	"ClusterNode":     {"id", "clusterID", "projectID", "observedAt", "name", "status", "unschedulable", "internalIP", "version"},
	"Cluster":         {"id", "createdAt", "updatedAt", "name", "kind", "environment", "status", "statusMessage", "version", "lastSeenAt", "projectID"},
	"Instance":        {"id", "createdAt", "updatedAt", "namespace", "status", "previousVersionID", "clusterID", "projectID", "versionID"},
	"Member":          {"id", "createdAt", "updatedAt", "role", "projectID", "userID"},
	"Namespace":       {"id", "clusterID", "projectID", "observedAt", "name", "status"},
	"Operation":       {"id", "createdAt", "updatedAt", "action", "status", "targetKind", "targetNamespace", "targetName", "reason", "message", "createdBy", "startedAt", "finishedAt", "clusterID", "projectID"},
	"Pod":             {"id", "clusterID", "projectID", "observedAt", "namespace", "name", "phase", "nodeName", "podIP", "hostIP", "restarts", "ownerKind", "ownerName", "startedAt", "workloadID"},
	"Project":         {"id", "createdAt", "updatedAt", "name", "code", "description", "businessID", "archived", "execRecording"},
	"TemplateVersion": {"id", "label", "note", "createdBy", "createdAt", "templateID"},
	"Template":        {"id", "createdAt", "updatedAt", "name", "description", "kind", "locked", "projectID"},
	"Token":           {"id", "createdAt", "updatedAt", "name", "expiresAt", "lastUsedAt", "revokedAt", "userID"},
	"User":            {"id", "createdAt", "updatedAt", "name", "displayName"},
	"Variable":        {"id", "createdAt", "updatedAt", "key", "secret", "description", "scope", "clusterID", "namespace", "projectID"},
	"Workload":        {"id", "clusterID", "projectID", "observedAt", "kind", "namespace", "name", "desired", "ready", "updated", "available"},
}

// neverFilterable are fields whose values a caller who sees the row may
// still not read, or that carry secrets: a predicate on one is a blind read.
var neverFilterable = []string{
	"Template.draft", "TemplateVersion.content", "TemplateVersion.digest", "Variable.value", "Variable.sealedValue", "User.email", "User.admin", "User.disabled",
	"Cluster.endpoint", "Cluster.credentials", "Cluster.registerTokenHash", "Cluster.agentKeyHash",
	"Token.hash", "Operation.request", "Operation.result", "AuditEntry.arguments", "Change.object",
	"User.hasMembershipsWith",
}

// predicateSuffixes are the operators entgql appends to a field's name.
var predicateSuffixes = []string{"ContainsFold", "EqualFold", "HasPrefix", "HasSuffix", "Contains", "NotNil", "IsNil", "NotIn", "NEQ", "GTE", "LTE", "In", "GT", "LT"}

// predicateField returns the field a where-input predicate reads.
func predicateField(name string) string {
	for _, s := range predicateSuffixes {
		if strings.HasSuffix(name, s) && len(name) > len(s) {
			return strings.TrimSuffix(name, s)
		}
	}
	return name
}

// introType is the part of a __schema type the filter tests read.
type introType struct {
	Name        string
	Kind        string
	Fields      []introField
	InputFields []introInput
}

type introField struct {
	Name string
	Args []introInput
}

type introInput struct {
	Name string
	Type introRef
}

type introRef struct {
	Name   string
	Kind   string
	OfType *introRef
}

// named unwraps lists and non-nulls.
func (r introRef) named() string {
	for r.Name == "" && r.OfType != nil {
		r = *r.OfType
	}
	return r.Name
}

func schemaTypes(t *testing.T, env *testEnv) map[string]introType {
	t.Helper()
	const ref = `name kind ofType { name kind ofType { name kind ofType { name kind } } }`
	var s struct{ Types []introType }
	env.do(t, `{ __schema { types { name kind fields { name args { name type { `+ref+` } } } inputFields { name type { `+ref+` } } } } }`, nil).
		field(t, "__schema", &s)
	out := make(map[string]introType, len(s.Types))
	for _, ty := range s.Types {
		out[ty.Name] = ty
	}
	return out
}

// whereEdge is one edge predicate: In.Field takes a list of To.
type whereEdge struct{ In, Field, To string }

func (e whereEdge) String() string { return e.In + "." + e.Field }

// edgePredicates lists every has…With predicate of every where input.
func edgePredicates(types map[string]introType) []whereEdge {
	var out []whereEdge
	for name, ty := range types {
		if ty.Kind != "INPUT_OBJECT" || !strings.HasSuffix(name, "WhereInput") {
			continue
		}
		for _, f := range ty.InputFields {
			if strings.HasPrefix(f.Name, "has") && strings.HasSuffix(f.Name, "With") {
				out = append(out, whereEdge{In: name, Field: f.Name, To: f.Type.named()})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// TestWhereInputsHoldOnlyReviewedPredicates enumerates every predicate of
// every where input the server serves: edge predicates must be reviewed
// same-tenant edges, field predicates must read reviewed, readable fields,
// and none may read a sensitive one.
func TestWhereInputsHoldOnlyReviewedPredicates(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	types := schemaTypes(t, env)
	seen := map[string]bool{}
	for _, e := range edgePredicates(types) {
		seen[e.String()] = true
		if _, ok := sameTenantEdges[e.String()]; !ok {
			t.Errorf("edge predicate %s (a subquery on %s past the privacy rules) is not a reviewed same-tenant edge", e, e.To)
		}
	}
	for e := range sameTenantEdges {
		if !seen[e] {
			t.Errorf("sameTenantEdges lists %s, which the schema no longer has", e)
		}
	}
	never := map[string]bool{}
	for _, f := range neverFilterable {
		never[f] = true
	}
	for name, ty := range types {
		if ty.Kind != "INPUT_OBJECT" || !strings.HasSuffix(name, "WhereInput") {
			continue
		}
		typ := strings.TrimSuffix(name, "WhereInput")
		allowed, reviewed := filterable[typ]
		if !reviewed {
			t.Errorf("%s is not reviewed: list its filterable fields in filterable", name)
		}
		ok := map[string]bool{}
		for _, f := range allowed {
			ok[f] = true
		}
		for _, f := range ty.InputFields {
			switch {
			case f.Name == "not" || f.Name == "and" || f.Name == "or":
				continue
			case strings.HasPrefix(f.Name, "has") && strings.HasSuffix(f.Name, "With"):
				if never[typ+"."+f.Name] {
					t.Errorf("%s.%s must not exist", name, f.Name)
				}
				continue
			case strings.HasPrefix(f.Name, "has") && types[name].hasInput(f.Name+"With"):
				continue // the edge's existence test; reviewed with its With form
			}
			field := predicateField(f.Name)
			if never[typ+"."+field] {
				t.Errorf("%s.%s filters on %s.%s, which must never be filterable", name, f.Name, typ, field)
			} else if reviewed && !ok[field] {
				t.Errorf("%s.%s filters on %s.%s, which is not reviewed: list it in filterable if every caller who sees a %s may read it", name, f.Name, typ, field, typ)
			}
		}
	}
}

func (ty introType) hasInput(name string) bool {
	for _, f := range ty.InputFields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// TestTemplateTextCannotBeReadThroughUserFilters is the reproduction of the
// blind read: an attacker adds the victim to a project of its own, then asks
// whether the victim belongs to a project holding a template whose draft
// starts with a guess. A right guess must answer exactly as a wrong one.
func TestTemplateTextCannotBeReadThroughUserFilters(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	victim := env.newTenant(t, "victim")
	const draft = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n"
	var tpl struct{ ID string }
	env.as(victim.tokens[member.RoleDEVELOPER]).do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "db", kind: K8S, draft: $d}) { id } }`,
		map[string]any{"p": victim.project, "d": draft}).field(t, "createTemplate", &tpl)

	attacker := env.newTenant(t, "attacker")
	as := env.as(attacker.tokens[member.RoleOWNER])
	as.do(t, `mutation($p: ID!) { addMember(projectID: $p, userName: "victim-owner", role: VIEWER) { id } }`,
		map[string]any{"p": attacker.project}).field(t, "addMember", &struct{ ID string }{})

	guess := func(prefix string) *gqlResponse {
		return as.do(t, `query($prefix: String!) { users(where: {name: "victim-owner", hasMembershipsWith: [{hasProjectWith: [{hasTemplatesWith: [{draftHasPrefix: $prefix}]}]}]}) { totalCount } }`,
			map[string]any{"prefix": prefix})
	}
	right, wrong := guess(draft[:len(draft)-3]), guess(draft[:len(draft)-4]+"X")
	if strings.Contains(right.raw, `"totalCount":1`) {
		t.Fatalf("the right guess of another project's template text is counted: %s", right.raw)
	}
	if string(mustJSON(right.Data)) != string(mustJSON(wrong.Data)) || right.code() != wrong.code() {
		t.Fatalf("a right guess answers differently from a wrong one:\n%s\n%s", right.raw, wrong.raw)
	}
	if right.code() != "BAD_USER_INPUT" {
		t.Errorf("the filter is not refused as unknown input: %s", right.raw)
	}
	// The same question from inside the attacker's own project is refused
	// too: drafts are not filterable at all.
	res := as.do(t, `query($p: ID!) { project(id: $p) { templates(where: {draftContains: "hunter2"}) { totalCount } } }`, map[string]any{"p": attacker.project})
	if res.code() != "BAD_USER_INPUT" {
		t.Errorf("drafts are filterable: %s", res.raw)
	}
}

// TestEmptyNestedFilterIsBadInput: entgql refuses an empty where input
// inside another; that is the caller's mistake, not a server fault.
func TestEmptyNestedFilterIsBadInput(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	for _, q := range []string{
		`{ clusters(where: {hasNamespacesWith: [{}]}) { totalCount } }`,
		`{ projects(where: {hasClustersWith: [{idIn: []}]}) { totalCount } }`,
	} {
		if res := env.do(t, q, nil); res.code() != "BAD_USER_INPUT" {
			t.Errorf("%s answered %s", q, res.raw)
		}
	}
}
