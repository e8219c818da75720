package hub_test

import (
	"context"
	"errors"
	"log/slog"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
)

// Wiring one replica: the writer hands its commits to the hub, the hub also
// listens for other replicas' commits on PostgreSQL, and a subscriber
// resumes from the last revision it saw.
func Example() {
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite://bcs.db")
	if err != nil {
		return
	}
	cfg := hub.Config{}
	if db.Dialect == "postgres" {
		cfg.Notifier = &hub.PGNotifier{DB: db.SQL}
	}
	h := hub.New(changelog.NewLog(db), cfg)
	w := changelog.NewWriter(db, changelog.Config{OnCommit: h.Publish})
	go h.Run(ctx)
	go w.Run(ctx)

	// A GraphQL subscription changes(filter, since): the filter always
	// carries the viewer's projects.
	visible := []gid.ID{"prj_…"}
	last := int64(41)
	sub, err := h.Subscribe(ctx, changelog.Filter{ProjectIDs: visible, Namespaces: []string{"shop"}}, &last, 256)
	if errors.Is(err, changelog.ErrRevisionCompacted) {
		return // tell the client to re-list, then subscribe from Log.Head
	}
	for c := range sub.C {
		slog.Info("change", "revision", c.Revision, "type", c.Type, "kind", c.Kind, "name", c.Name)
	}
	var slow *hub.SlowConsumerError
	if errors.As(sub.Err(), &slow) {
		// close the stream with a clear reason; the client resumes with
		// since = slow.LastRevision
	}
}
