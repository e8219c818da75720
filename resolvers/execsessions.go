package resolvers

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/execsession"
)

var newestSessionsFirst = &ent.ExecSessionOrder{Direction: entgql.OrderDirectionDesc, Field: ent.ExecSessionOrderFieldStartedAt}

// execRecording reads a session's recording on its own: field collection
// selects only the requested GraphQL fields of a session, and the recording
// (large) is not one of ent's. Nil for a session that was not recorded.
func execRecording(ctx context.Context, c *ent.Client, s *ent.ExecSession) (*string, error) {
	row, err := c.ExecSession.Query().Where(execsession.ID(s.ID)).Select(execsession.FieldRecording).Only(ctx)
	if err != nil {
		return nil, notFoundAs(err, "exec session", s.ID)
	}
	if row.Recording == nil {
		return nil, nil
	}
	text := string(*row.Recording)
	return &text, nil
}
