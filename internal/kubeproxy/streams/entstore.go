package streams

import (
	"context"
	"fmt"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/auditentry"
	"github.com/bcs-io/bcs/ent/execsession"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/user"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
)

// EntStore keeps sessions as ExecSession rows and writes an audit entry
// when each starts (execSessionStart) and ends (execSessionEnd), so a
// session still open, or cut by a crash, is in the audit log too.
type EntStore struct {
	Client *ent.Client
	// RequestID names the HTTP request a session came from; optional.
	RequestID func(context.Context) string
}

var kinds = map[Kind]execsession.Kind{
	Exec: execsession.KindEXEC, Attach: execsession.KindATTACH, PortForward: execsession.KindPORTFORWARD,
}

// Start implements Store: it decides whether the session is recorded (the
// project's switch) and creates its row.
func (e *EntStore) Start(ctx context.Context, s *Session) error {
	ctx = auth.System(ctx) // BCS writes sessions; no user may
	p, err := e.Client.Project.Get(ctx, gid.ID(s.ProjectID))
	if err != nil {
		return fmt.Errorf("exec session project %s: %w", s.ProjectID, err)
	}
	s.Record = s.Recordable && p.ExecRecording
	return storage.WithTx(ctx, e.Client, func(tx *ent.Tx) error {
		return e.start(ctx, tx.Client(), s)
	})
}

func (e *EntStore) start(ctx context.Context, c *ent.Client, s *Session) error {
	row, err := c.ExecSession.Create().
		SetProjectID(s.ProjectID).
		SetClusterID(s.ClusterID).
		SetUser(s.User).
		SetKind(kinds[s.Kind]).
		SetProtocol(s.Protocol).
		SetNamespace(s.Namespace).
		SetPod(s.Pod).
		SetContainer(s.Container).
		SetCommand(s.Command).
		SetTty(s.TTY).
		SetStdin(s.Stdin).
		SetStartedAt(s.Started).
		SetRecorded(s.Record).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("exec session: %w", err)
	}
	s.ID = string(row.ID)
	return e.audit(ctx, c, s, "execSessionStart", auditentry.ResultSUCCESS, "")
}

// Finish implements Store. The row and its end entry are one
// transaction: a finished session always has its audit entry.
func (e *EntStore) Finish(ctx context.Context, s *Session) error {
	return storage.WithTx(auth.System(ctx), e.Client, func(tx *ent.Tx) error {
		return e.finish(ctx, tx.Client(), s)
	})
}

func (e *EntStore) finish(ctx context.Context, c *ent.Client, s *Session) error {
	ctx = auth.System(ctx)
	upd := c.ExecSession.UpdateOneID(gid.ID(s.ID)).
		SetEndedAt(s.Ended).
		SetStatus(s.Status).
		SetNillableExitCode(s.ExitCode)
	if s.Record {
		upd.SetRecording(s.Recording).SetRecordingSize(len(s.Recording)).SetTruncated(s.Truncated)
	}
	if err := upd.Exec(ctx); err != nil {
		return fmt.Errorf("exec session %s: %w", s.ID, err)
	}
	result, errText := auditentry.ResultSUCCESS, ""
	switch {
	case s.Denied:
		result, errText = auditentry.ResultDENIED, s.Status
	case s.Refused:
		result, errText = auditentry.ResultFAILURE, s.Status
	}
	return e.audit(ctx, c, s, "execSessionEnd", result, errText)
}

// audit writes one entry; arguments carry the whole session but never its
// content or any credential.
func (e *EntStore) audit(ctx context.Context, c *ent.Client, s *Session, action string, result auditentry.Result, errText string) error {
	args := map[string]any{
		"kind":      string(s.Kind),
		"clusterID": s.ClusterID,
		"namespace": s.Namespace,
		"pod":       s.Pod,
		"container": s.Container,
		"command":   s.Command,
		"tty":       s.TTY,
		"stdin":     s.Stdin,
		"protocol":  s.Protocol,
		"recorded":  s.Record,
		"startedAt": s.Started.UTC().Format(time.RFC3339Nano),
	}
	if !s.Ended.IsZero() {
		args["endedAt"] = s.Ended.UTC().Format(time.RFC3339Nano)
		args["status"] = s.Status
		if s.ExitCode != nil {
			args["exitCode"] = *s.ExitCode
		}
	}
	entry := c.AuditEntry.Create().
		SetActor(s.User).
		SetAction(action).
		SetTargetType("ExecSession").
		SetTargetID(s.ID).
		SetProjectID(s.ProjectID).
		SetArguments(args).
		SetResult(result).
		SetError(errText)
	if id, err := c.User.Query().Where(user.Name(s.User)).OnlyID(ctx); err == nil {
		entry.SetActorID(string(id))
	}
	if e.RequestID != nil {
		entry.SetRequestID(e.RequestID(ctx))
	}
	if err := entry.Exec(ctx); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
