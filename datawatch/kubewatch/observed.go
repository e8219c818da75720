package kubewatch

import (
	"sync"
	"time"
)

// observed remembers when an event handler first queued each key that no
// worker has taken yet, so the change's Event carries when the watch saw it
// (changelog.Event.Observed) although the queue keeps only keys.
type observed struct {
	mu sync.Mutex
	at map[key]time.Time
}

func newObserved() *observed { return &observed{at: map[key]time.Time{}} }

// mark notes now for k unless an earlier event for k is still waiting: the
// worker will submit the newest state, and the wait began with the oldest.
func (o *observed) mark(k key) {
	o.mu.Lock()
	if _, ok := o.at[k]; !ok {
		o.at[k] = time.Now()
	}
	o.mu.Unlock()
}

// take returns and forgets k's time (zero if none: a retry). Workers take it
// before reading the cache, so an event that arrives during the sync starts
// a new wait.
func (o *observed) take(k key) time.Time {
	o.mu.Lock()
	t := o.at[k]
	delete(o.at, k)
	o.mu.Unlock()
	return t
}
