package auth

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/bcs-io/bcs/ent/token"
)

// touchDelay is how long last-used writes gather before one UPDATE
// carries them: a fleet of dashboards connecting with their own tokens
// would otherwise write a row per connection on the path of its
// handshake (on SQLite, one write transaction each).
const touchDelay = time.Second

// touches batches tokens' last-used writes.
type touches struct {
	mu      sync.Mutex
	pending map[ID]time.Time
}

// touch records that the token was used at now; the write follows within
// touchDelay. Last-used is informational: a write lost to a crash in
// between loses nothing that matters.
func (a *Authenticator) touch(id ID, now time.Time) {
	t := &a.touched
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		t.pending = map[ID]time.Time{}
		time.AfterFunc(touchDelay, a.flushTouched)
	}
	t.pending[id] = now
}

// flushTouched writes the gathered last-used times, one UPDATE per
// distinct time and chunk of ids (a batch shares its times closely, so
// the newest stands for all of them).
func (a *Authenticator) flushTouched() {
	t := &a.touched
	t.mu.Lock()
	pending := t.pending
	t.pending = nil
	t.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	var newest time.Time
	for _, at := range pending {
		if at.After(newest) {
			newest = at
		}
	}
	ctx, cancel := context.WithTimeout(System(context.Background()), 10*time.Second)
	defer cancel()
	ids := slices.Collect(maps.Keys(pending))
	for chunk := range slices.Chunk(ids, 500) {
		// Best effort, as before: last-used is informational.
		_ = a.Client.Token.Update().Where(token.IDIn(chunk...)).SetLastUsedAt(newest).Exec(ctx)
	}
}
