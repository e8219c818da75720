package hub_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/internal/auth"
)

// A subscription re-checks its viewer before every delivery: one whose
// token has expired (or was revoked, or whose memberships changed) gets
// nothing more, live or replayed, and ends with that error; a subscriber
// still entitled is not disturbed.
func TestEndedViewerReceivesNothing(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, c1 := dwtest.Cluster(t, db)
	r := startReplica(t, db, hub.Config{})
	ctx := ctxT(t)
	past := time.Now().Add(-time.Second)
	ended := auth.NewContext(ctx, &auth.Viewer{UserID: "usr_x", ExpiresAt: &past})

	live, err := r.hub.Subscribe(ended, all, nil, 100)
	must(t, err)
	entitled, err := r.hub.Subscribe(ctx, all, nil, 100)
	must(t, err)
	produce(t, r.w, c1, "a", 0, 3)
	contiguous(t, collect(t, entitled, 3), 0, 3)
	if c, ok := <-live.C; ok {
		t.Fatalf("an ended viewer received revision %d", c.Revision)
	}
	if !errors.Is(live.Err(), auth.ErrExpired) {
		t.Errorf("Err = %v, want the viewer's", live.Err())
	}

	since := int64(0)
	replay, err := r.hub.Subscribe(ended, all, &since, 100)
	must(t, err)
	if c, ok := <-replay.C; ok {
		t.Fatalf("an ended viewer was replayed revision %d", c.Revision)
	}
	if !errors.Is(replay.Err(), auth.ErrExpired) {
		t.Errorf("replay Err = %v", replay.Err())
	}
	if n := r.hub.Subscribers(); n != 1 {
		t.Errorf("%d subscribers, want the entitled one", n)
	}
}
