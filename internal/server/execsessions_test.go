package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent/execsession"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/internal/auth"
)

// recordingMarker is what a recorded session showed; tests look for it in
// answers that must not hold it.
const recordingMarker = "secret-terminal-output"

// recordedSession stores a finished, recorded exec session in a project,
// as the Kubernetes proxy's stream handler does.
func recordedSession(t testing.TB, e *testEnv, projectID, clusterID string) string {
	t.Helper()
	rec := []byte(`{"version":2,"width":80,"height":24}` + "\n" + `[0.1,"o","` + recordingMarker + `\r\n"]` + "\n")
	now := time.Now()
	s := e.db.Client.ExecSession.Create().SetProjectID(projectID).SetClusterID(clusterID).SetUser("someone").
		SetKind(execsession.KindEXEC).SetNamespace("ns").SetPod("web-1").SetContainer("main").
		SetCommand([]string{"sh"}).SetStartedAt(now).SetEndedAt(now).SetStatus("exit 0").
		SetRecorded(true).SetRecording(rec).SetRecordingSize(len(rec)).SaveX(system())
	return string(s.ID)
}

// TestExecRecordingsOwnersOnly: an owner lists and replays a project's
// sessions; a maintainer, developer, viewer or outsider reads neither the
// list nor a session, and a revoked owner token is refused.
func TestExecRecordingsOwnersOnly(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "rec")
	id := tn.objects[12]
	list := `query($pid: ID!) { execSessions(projectID: $pid, first: 10) { totalCount edges { node { id pod status recorded recording } } } }`
	one := `query($id: ID!) { execSession(id: $id) { id command recording } }`
	node := `query($id: ID!) { node(id: $id) { id ... on ExecSession { recording } } }`
	vars := map[string]any{"pid": tn.project, "id": id}

	owner := env.as(tn.tokens[member.RoleOWNER])
	res := owner.do(t, list, vars)
	if len(res.Errors) > 0 || !strings.Contains(res.raw, id) || !strings.Contains(res.raw, recordingMarker) {
		t.Fatalf("owner's list: %s", res.raw)
	}
	for _, q := range []string{one, node} {
		if res := owner.do(t, q, vars); len(res.Errors) > 0 || !strings.Contains(res.raw, recordingMarker) {
			t.Fatalf("owner's replay: %s", res.raw)
		}
	}

	outsider, err := auth.Bootstrap(system(), env.db.Client, "rec-outsider", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	callers := map[string]string{"outsider": outsider}
	for _, role := range []member.Role{member.RoleMAINTAINER, member.RoleDEVELOPER, member.RoleVIEWER} {
		callers[string(role)] = tn.tokens[role]
	}
	for name, tok := range callers {
		as := env.as(tok)
		if res := as.do(t, list, vars); res.code() != "FORBIDDEN" || res.Errors[0].Extensions["action"] != "project_audit_view" {
			t.Errorf("%s: execSessions answered %s", name, res.raw)
		}
		if res := as.do(t, one, vars); res.code() != "NOT_FOUND" || strings.Contains(res.raw, recordingMarker) {
			t.Errorf("%s: execSession answered %s", name, res.raw)
		}
		if res := as.do(t, node, vars); string(res.Data["node"]) != "null" || strings.Contains(res.raw, recordingMarker) {
			t.Errorf("%s: node answered %s", name, res.raw)
		}
	}

	// The owner's token, revoked, reads nothing more.
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	owner.do(t, `mutation { createToken(input: {name: "replay"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	revoked := env.as(created.Secret)
	revoked.do(t, `mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": created.Token.ID})
	for _, q := range []string{list, one, node} {
		if res := revoked.do(t, q, vars); res.status != http.StatusUnauthorized || res.code() != "UNAUTHENTICATED" || strings.Contains(res.raw, recordingMarker) {
			t.Errorf("revoked token: %d %s", res.status, res.raw)
		}
	}
}

// TestSetExecRecordingOwnersOnly: only an owner switches recording; the
// switch is off until then and the mutation is audited.
func TestSetExecRecordingOwnersOnly(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "switch")
	set := `mutation($pid: ID!, $on: Boolean!) { setExecRecording(projectID: $pid, enabled: $on) { id execRecording } }`
	read := `query($pid: ID!) { project(id: $pid) { execRecording } }`
	vars := map[string]any{"pid": tn.project, "on": true}
	if res := env.as(tn.tokens[member.RoleOWNER]).do(t, read, vars); !strings.Contains(res.raw, `"execRecording":false`) {
		t.Fatalf("recording is not off by default: %s", res.raw)
	}
	outsider, err := auth.Bootstrap(system(), env.db.Client, "switch-outsider", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"outsider": outsider, "maintainer": tn.tokens[member.RoleMAINTAINER],
		"developer": tn.tokens[member.RoleDEVELOPER], "viewer": tn.tokens[member.RoleVIEWER]} {
		if res := env.as(tok).do(t, set, vars); res.code() != "FORBIDDEN" || res.Errors[0].Extensions["action"] != "project_exec_recording_manage" {
			t.Errorf("%s: setExecRecording answered %s", name, res.raw)
		}
	}
	if res := env.as("bcs_"+strings.Repeat("A", 43)).do(t, set, vars); res.status != http.StatusUnauthorized {
		t.Errorf("unknown token: %d %s", res.status, res.raw)
	}
	// Not through updateProject either, which maintainers may call.
	res := env.as(tn.tokens[member.RoleMAINTAINER]).do(t,
		`mutation($pid: ID!) { updateProject(id: $pid, input: {execRecording: true}) { id } }`, vars)
	if len(res.Errors) == 0 {
		t.Errorf("updateProject took execRecording: %s", res.raw)
	}
	if env.db.Client.Project.GetX(system(), ID(tn.project)).ExecRecording {
		t.Fatal("a refused caller switched recording on")
	}
	res = env.as(tn.tokens[member.RoleOWNER]).do(t, set, vars)
	if len(res.Errors) > 0 || !strings.Contains(res.raw, `"execRecording":true`) {
		t.Fatalf("owner: %s", res.raw)
	}
	if !env.db.Client.Project.GetX(system(), ID(tn.project)).ExecRecording {
		t.Fatal("the switch did not stick")
	}
}
