package scheduler

import (
	"context"
	"errors"
	"sync"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

type callItem struct {
	call  *scheduler.Call
	gen   int
	onErr func(error)
}

// callQueue sends calls to the master from a pool of workers, so the loop
// never waits on HTTP. The queue is unbounded: the loop must not block, and
// what it queues is bounded by what Mesos sends it.
type callQueue struct {
	e     *Engine
	mu    sync.Mutex
	items []callItem
	wake  chan struct{}
	stop  chan struct{}
	wg    sync.WaitGroup
}

var errStaleSubscription = errors.New("call belongs to an earlier subscription")

func newCallQueue(e *Engine, workers int) *callQueue {
	q := &callQueue{e: e, wake: make(chan struct{}, workers), stop: make(chan struct{})}
	for i := 0; i < workers; i++ {
		q.wg.Add(1)
		go q.work()
	}
	return q
}

func (q *callQueue) push(it callItem) {
	q.mu.Lock()
	q.items = append(q.items, it)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *callQueue) pop() (callItem, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return callItem{}, false
	}
	it := q.items[0]
	q.items[0] = callItem{}
	q.items = q.items[1:]
	if len(q.items) > 0 {
		// More work: wake another worker too.
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return it, true
}

func (q *callQueue) close() {
	close(q.stop)
	q.wg.Wait()
}

func (q *callQueue) work() {
	defer q.wg.Done()
	for {
		it, ok := q.pop()
		if !ok {
			select {
			case <-q.wake:
				continue
			case <-q.stop:
				return
			}
		}
		err := q.e.call(it.call, it.gen)
		if err != nil && it.onErr != nil {
			onErr := it.onErr
			q.e.post(func() { onErr(err) })
		}
	}
}

// call sends one call on the current subscription.
func (e *Engine) call(c *scheduler.Call, gen int) error {
	conn := e.conn.Load()
	if conn == nil {
		return errNotSubscribed
	}
	if gen != 0 && gen != conn.gen {
		return errStaleSubscription
	}
	ctx, cancel := context.WithTimeout(e.ctx, e.cfg.Tuning.CallTimeout)
	defer cancel()
	resp, err := conn.caller.Call(ctx, c.With(calls.Framework(conn.fwID)))
	if resp != nil {
		resp.Close()
	}
	if err != nil {
		e.log.Debug("call failed", "type", c.Type.String(), "err", err)
	}
	return err
}
