package streams_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/bcs-io/bcs/ent/auditentry"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/kubeproxy/streams"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestExecEchoHello: `echo hello` through the relay answers hello, the
// session is stored with its exit status, and the audit log has its start
// and end.
func TestExecEchoHello(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newRig(t, streams.Options{Metrics: reg})
	ctx := testCtx(t)
	var stdout, stderr bytes.Buffer
	if err := r.exec(ctx, t, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}, "echo", "hello"); err != nil {
		t.Fatalf("exec: %v (stderr %q)", err, stderr.String())
	}
	if stdout.String() != "hello\n" {
		t.Fatalf("stdout = %q, want hello", stdout.String())
	}
	s := r.waitEnded(t, 1)[0]
	if s.Status != "exit 0" || s.ExitCode == nil || *s.ExitCode != 0 {
		t.Errorf("status %q exit %v, want exit 0", s.Status, s.ExitCode)
	}
	if s.User != "alice" || s.Namespace != "default" || s.Pod != "shell" || s.Container != "main" ||
		strings.Join(s.Command, " ") != "echo hello" || s.Protocol != "v5.channel.k8s.io" || s.Recorded {
		t.Errorf("session = %+v", s)
	}

	entries := r.db.AuditEntry.Query().Where(auditentry.TargetID(string(s.ID))).
		Order(auditentry.ByCreatedAt()).AllX(auth.System(ctx))
	if len(entries) != 2 || entries[0].Action != "execSessionStart" || entries[1].Action != "execSessionEnd" {
		t.Fatalf("audit entries = %+v", entries)
	}
	end := entries[1]
	if end.Actor != "alice" || end.ProjectID != r.project || end.Result != auditentry.ResultSUCCESS ||
		end.Arguments["status"] != "exit 0" || end.Arguments["pod"] != "shell" || end.Arguments["container"] != "main" ||
		end.Arguments["endedAt"] == nil || end.Arguments["startedAt"] == nil {
		t.Errorf("end entry = %+v", end)
	}
	if cmd, _ := json.Marshal(end.Arguments["command"]); string(cmd) != `["echo","hello"]` {
		t.Errorf("audited command %s", cmd)
	}
	if got := counter(t, reg, "bcs_kube_stream_sessions_total", map[string]string{"kind": "exec", "end": "exit"}); got != 1 {
		t.Errorf("sessions_total{exec,exit} = %v", got)
	}
}

// counter reads one series of a gathered counter (0 when absent).
func counter(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestExecFailureStatus: a failing command's status reaches the client
// unchanged and the session keeps it. (kwok reports a failed command as an
// InternalError naming the exit status, where a kubelet sends
// NonZeroExitCode; TestExitStatus covers the kubelet's form.)
func TestExecFailureStatus(t *testing.T) {
	r := newRig(t, streams.Options{})
	err := r.exec(testCtx(t), t, remotecommand.StreamOptions{Stdout: io.Discard}, "sh", "-c", "exit 3")
	if err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("err = %v, want the command's exit status", err)
	}
	s := r.waitEnded(t, 1)[0]
	if !strings.HasPrefix(s.Status, "error: ") || !strings.Contains(s.Status, "exit status 3") || s.ExitCode != nil {
		t.Errorf("status %q exit %v", s.Status, s.ExitCode)
	}
}

// TestExecInteractiveStdin: what the client types comes back from `cat`,
// line by line, while the session is open.
func TestExecInteractiveStdin(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		// A loop rather than cat: kwok does not pass the end of stdin on.
		done <- r.exec(ctx, t, remotecommand.StreamOptions{Stdin: inR, Stdout: outW},
			"sh", "-c", `while read l; do echo "$l"; [ "$l" = bye ] && exit 0; done`)
		outW.Close()
	}()
	lines := bufio.NewReader(outR)
	for _, word := range []string{"ping", "pong", "bye"} {
		if _, err := io.WriteString(inW, word+"\n"); err != nil {
			t.Fatal(err)
		}
		got, err := lines.ReadString('\n')
		if err != nil || got != word+"\n" {
			t.Fatalf("echoed %q, %v; want %q", got, err, word)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("exec: %v", err)
	}
}

// TestIdleLimitClosesSession: a session with no traffic is closed after
// IdleTimeout with a Status the client reports.
func TestIdleLimitClosesSession(t *testing.T) {
	r := newRig(t, streams.Options{IdleTimeout: 500 * time.Millisecond})
	inR, inW := io.Pipe()
	defer inW.Close()
	began := time.Now()
	err := r.exec(testCtx(t), t, remotecommand.StreamOptions{Stdin: inR, Stdout: io.Discard, Stderr: io.Discard}, "cat")
	if err == nil || !strings.Contains(err.Error(), "no input or output for 500ms") {
		t.Fatalf("err = %v, want the idle-limit status", err)
	}
	if took := time.Since(began); took > 30*time.Second {
		t.Errorf("closed after %s", took)
	}
	if s := r.waitEnded(t, 1)[0]; s.Status != "idle timeout" {
		t.Errorf("status %q, want idle timeout", s.Status)
	}
}

// TestTotalLimitClosesBusySession: traffic does not extend a session past
// MaxDuration.
func TestTotalLimitClosesBusySession(t *testing.T) {
	r := newRig(t, streams.Options{MaxDuration: time.Second})
	err := r.exec(testCtx(t), t, remotecommand.StreamOptions{Stdout: io.Discard},
		"sh", "-c", "while true; do echo tick; sleep 0.05; done")
	if err == nil || !strings.Contains(err.Error(), "reached the 1s limit") {
		t.Fatalf("err = %v, want the time-limit status", err)
	}
	if s := r.waitEnded(t, 1)[0]; s.Status != "time limit" {
		t.Errorf("status %q, want time limit", s.Status)
	}
}

// TestRecordingReplays: with the project's switch on, the session is an
// asciicast v2 document holding the command's output.
func TestRecordingReplays(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	r.db.Project.UpdateOneID(idOf(r.project)).SetExecRecording(true).ExecX(auth.System(ctx))
	inR, inW := io.Pipe()
	defer inW.Close()
	go func() { _, _ = io.WriteString(inW, "typed by alice\n") }()
	var stdout bytes.Buffer
	if err := r.exec(ctx, t, remotecommand.StreamOptions{Stdin: inR, Stdout: &stdout}, "sh", "-c", `read l; echo "recorded-output $l"`); err != nil {
		t.Fatalf("exec: %v", err)
	}
	s := r.waitEnded(t, 1)[0]
	if !s.Recorded || s.Truncated {
		t.Fatalf("recorded %v truncated %v", s.Recorded, s.Truncated)
	}
	rec := r.db.ExecSession.GetX(auth.System(ctx), s.ID).Recording
	header, events := parseCast(t, *rec)
	if header["version"] != float64(2) || header["command"] != `sh -c read l; echo "recorded-output $l"` {
		t.Errorf("header = %v", header)
	}
	var out, in strings.Builder
	for _, e := range events {
		switch e.kind {
		case "o":
			out.WriteString(e.data)
		case "i":
			in.WriteString(e.data)
		}
	}
	if !strings.Contains(out.String(), "recorded-output typed by alice\n") || in.String() != "typed by alice\n" {
		t.Errorf("output %q input %q", out.String(), in.String())
	}
	if bytes.Contains(*rec, []byte("bcs_user_token")) {
		t.Error("the recording holds the client's token")
	}
}

// TestRecordingTruncatesAtCap: past MaxRecordingBytes the recording stops
// with a marker, and the session says so.
func TestRecordingTruncatesAtCap(t *testing.T) {
	r := newRig(t, streams.Options{MaxRecordingBytes: 600})
	ctx := testCtx(t)
	r.db.Project.UpdateOneID(idOf(r.project)).SetExecRecording(true).ExecX(auth.System(ctx))
	var stdout bytes.Buffer
	if err := r.exec(ctx, t, remotecommand.StreamOptions{Stdout: &stdout}, "seq", "1", "5000"); err != nil {
		t.Fatalf("exec: %v", err)
	}
	if !strings.HasSuffix(stdout.String(), "5000\n") {
		t.Fatal("the client did not get all output: the cap must only bound the recording")
	}
	s := r.waitEnded(t, 1)[0]
	rec := r.db.ExecSession.GetX(auth.System(ctx), s.ID).Recording
	_, events := parseCast(t, *rec)
	last := events[len(events)-1]
	if !s.Truncated || last.kind != "m" || !strings.Contains(last.data, "truncated") || len(*rec) > 600+200 {
		t.Errorf("truncated %v, last event %+v, %d bytes", s.Truncated, last, len(*rec))
	}
}

// TestRefusedExecIsAuditedDenied: the cluster's RBAC refusing the
// impersonated user reaches the client as 403 and the audit log as DENIED.
func TestRefusedExecIsAuditedDenied(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	r.up = upstreamAs(t, cluster(t), "bcs:mallory")
	r.up.ProjectID, r.up.ClusterID = r.project, "cls_test"
	err := r.exec(ctx, t, remotecommand.StreamOptions{Stdout: io.Discard}, "echo", "hi")
	if err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Fatalf("err = %v, want forbidden", err)
	}
	s := r.waitEnded(t, 1)[0]
	end := r.db.AuditEntry.Query().Where(auditentry.TargetID(string(s.ID)), auditentry.Action("execSessionEnd")).OnlyX(auth.System(ctx))
	if end.Result != auditentry.ResultDENIED || !strings.HasPrefix(s.Status, "refused: 403") {
		t.Errorf("entry %s %q, session status %q", end.Result, end.Error, s.Status)
	}
}

// TestClientCredentialsNeverForwarded: a client's own Authorization and
// Impersonate-* headers do not reach the cluster through a passed-through
// stream: the impersonated identity stays BCS's choice.
func TestClientCredentialsNeverForwarded(t *testing.T) {
	r := newRig(t, streams.Options{})
	r.up = upstreamWith(t, cluster(t), []string{"http/1.1"}, "bcs:mallory")
	r.up.ProjectID, r.up.ClusterID = r.project, "cls_test"
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, r.execURL(false, "echo", "hi"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	req.Header.Set("X-Stream-Protocol-Version", "v4.channel.k8s.io")
	req.Header.Set("Authorization", "Bearer "+cluster(t).Token) // the cluster admin's own
	req.Header.Set("Impersonate-Group", "system:masters")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %s, want 403: the client's headers were honoured", resp.Status)
	}
}

// TestLogsFollowThroughProxy: `logs -f` through a plain flushing reverse
// proxy streams kwok's log lines as they are written.
func TestLogsFollowThroughProxy(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		r.srv.URL+prefix+"/api/v1/namespaces/default/pods/shell/log?container=main&follow=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logs: %s", resp.Status)
	}
	lines := bufio.NewReader(resp.Body)
	first, err := lines.ReadString('\n')
	if err != nil || !strings.Contains(first, "line 0") {
		t.Fatalf("first line %q, %v", first, err)
	}
	f, err := os.OpenFile(plane.podLog, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	marker := time.Now().Format(time.RFC3339Nano)
	if _, err := f.WriteString("2026-01-01T00:00:01Z stdout F followed " + marker + "\n"); err != nil {
		t.Fatal(err)
	}
	for {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("follow ended: %v", err)
		}
		if strings.Contains(line, "followed "+marker) {
			return
		}
	}
}

// TestSPDYPassthrough: kubectl's SPDY fallback is passed through (with an
// HTTP/1.1 upstream: an upgrade cannot cross HTTP/2), audited, never
// recorded.
func TestSPDYPassthrough(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	r.db.Project.UpdateOneID(idOf(r.project)).SetExecRecording(true).ExecX(auth.System(ctx))
	r.up = upstreamWith(t, cluster(t), []string{"http/1.1"}, "bcs:alice", "system:masters")
	r.up.ProjectID, r.up.ClusterID = r.project, "cls_test"
	u, err := url.Parse(r.execURL(false, "echo", "over spdy"))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := remotecommand.NewSPDYExecutor(r.clientConfig(), http.MethodPost, u)
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: io.Discard}); err != nil {
		t.Fatalf("exec: %v", err)
	}
	if stdout.String() != "over spdy\n" {
		t.Fatalf("stdout %q", stdout.String())
	}
	s := r.waitEnded(t, 1)[0]
	if s.Status != "closed" || s.Recorded || !strings.HasPrefix(s.Protocol, "SPDY/3.1") {
		t.Errorf("session %+v", s)
	}
	if n := r.db.AuditEntry.Query().Where(auditentry.TargetID(string(s.ID))).CountX(auth.System(ctx)); n != 2 {
		t.Errorf("%d audit entries, want start and end", n)
	}
}

// TestRevocationEndsSession: when the proxy ends the request (the user's
// token revoked, their role changed), the session ends at once and the
// client is told why.
func TestRevocationEndsSession(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	inR, inW := io.Pipe()
	defer inW.Close()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- r.exec(ctx, t, remotecommand.StreamOptions{Stdin: inR, Stdout: outW},
			"sh", "-c", `while read l; do echo "$l"; done`)
		outW.Close()
	}()
	if _, err := io.WriteString(inW, "still here\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(outR).ReadString('\n'); err != nil || line != "still here\n" {
		t.Fatalf("echo %q, %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	r.revokeLatest(errors.New("token revoked"))
	if err := <-done; err == nil || !strings.Contains(err.Error(), "BCS closed the session: token revoked") {
		t.Fatalf("err = %v, want the revocation", err)
	}
	if s := r.waitEnded(t, 1)[0]; s.Status != "ended: token revoked" {
		t.Errorf("status %q", s.Status)
	}
}

// TestAttachRelayedAndRecorded: attach is relayed like exec; what the
// container prints while attached reaches the client and the recording.
func TestAttachRelayedAndRecorded(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	r.db.Project.UpdateOneID(idOf(r.project)).SetExecRecording(true).ExecX(auth.System(ctx))
	ex, err := remotecommand.NewWebSocketExecutor(r.clientConfig(), "GET",
		r.srv.URL+prefix+"/api/v1/namespaces/default/pods/shell/attach?container=main&stdout=true")
	if err != nil {
		t.Fatal(err)
	}
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: outW})
		outW.Close()
	}()
	// kwok attaches at the log's end: write until a line arrives.
	marker := "attached-" + time.Now().Format("150405.000000")
	seen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			if strings.Contains(sc.Text(), marker) {
				close(seen)
				break
			}
		}
		_, _ = io.Copy(io.Discard, outR)
	}()
	f, err := os.OpenFile(plane.podLog, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		if _, err := f.WriteString("2026-01-01T00:00:04Z stdout F " + marker + "\n"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-seen:
			break wait
		case <-ctx.Done():
			t.Fatal("nothing arrived through attach")
		case <-tick.C:
		}
	}
	r.revokeLatest(errors.New("detached by the test"))
	<-done
	s := r.waitEnded(t, 1)[0]
	if s.Kind != "ATTACH" || !s.Recorded {
		t.Fatalf("session %+v", s)
	}
	_, events := parseCast(t, *r.db.ExecSession.GetX(auth.System(ctx), s.ID).Recording)
	var out strings.Builder
	for _, e := range events {
		if e.kind == "o" {
			out.WriteString(e.data)
		}
	}
	if !strings.Contains(out.String(), marker) {
		t.Errorf("recording lacks the attached output: %q", out.String())
	}
}

// TestSPDYOverHTTP2IsExplained: a SPDY upgrade cannot cross an HTTP/2
// upstream; the client is told why instead of "cannot be reached".
func TestSPDYOverHTTP2IsExplained(t *testing.T) {
	r := newRig(t, streams.Options{}) // client-go's default transport: HTTP/2 first
	u, err := url.Parse(r.execURL(false, "echo", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := remotecommand.NewSPDYExecutor(r.clientConfig(), http.MethodPost, u)
	if err != nil {
		t.Fatal(err)
	}
	err = ex.StreamWithContext(testCtx(t), remotecommand.StreamOptions{Stdout: io.Discard, Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "use kubectl 1.30 or later") {
		t.Fatalf("err = %v", err)
	}
	if s := r.waitEnded(t, 1)[0]; !strings.HasPrefix(s.Status, "refused: 502") {
		t.Errorf("status %q", s.Status)
	}
}
