package zkstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"k8s.io/apimachinery/pkg/util/wait"
)

// ErrFenced means the leader's election node is gone: this instance no
// longer leads and must stop.
var ErrFenced = errors.New("zkstate: not the leader any more (fence node gone)")

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("zkstate: store closed")

type opKind uint8

const (
	opCreate opKind = iota + 1
	opSet
	opDelete
)

// Op is one write.
type Op struct {
	kind opKind
	path string
	data []byte
}

// Create makes a persistent node holding v as JSON ([]byte and string are
// written as is). If the node exists it is overwritten.
func Create(path string, v any) Op { return Op{kind: opCreate, path: path, data: encode(v)} }

// Set overwrites a node; a node that no longer exists is left alone (it
// was deleted on purpose).
func Set(path string, v any) Op { return Op{kind: opSet, path: path, data: encode(v)} }

// Delete removes a childless node; a missing node is fine.
func Delete(path string) Op { return Op{kind: opDelete, path: path} }

func encode(v any) []byte {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Records are plain structs; failing to encode one is a bug.
		panic(fmt.Sprintf("zkstate: encode %T: %v", v, err))
	}
	return b
}

func (o Op) String() string {
	return [...]string{"", "create", "set", "delete"}[o.kind] + " " + o.path
}

// Batch bounds: ZooKeeper rejects requests above jute.maxbuffer (1 MB).
const (
	maxBatchOps   = 400
	maxBatchBytes = 512 << 10
)

// segment is a run of writes: a synchronous Apply (done is non-nil), or
// coalesced asynchronous writes. Segments run strictly in order.
type segment struct {
	ops   []Op
	index map[string]int // async: path → position in ops
	done  chan error
}

type writer struct {
	conn  *zk.Conn
	fence string
	acl   []zk.ACL // of created nodes
	log   *slog.Logger

	mu     sync.Mutex
	queue  []*segment
	err    error // terminal: fenced or closed
	wake   chan struct{}
	stop   chan struct{}
	closed chan struct{}
	failed chan struct{} // closed when err is set
}

func newWriter(conn *zk.Conn, fence string, acl []zk.ACL, log *slog.Logger) *writer {
	w := &writer{conn: conn, fence: fence, acl: acl, log: log, wake: make(chan struct{}, 1),
		stop: make(chan struct{}), closed: make(chan struct{}), failed: make(chan struct{})}
	go w.run()
	return w
}

func (w *writer) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *writer) enqueue(ops []Op) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || len(ops) == 0 {
		return
	}
	var seg *segment
	if n := len(w.queue); n > 0 && w.queue[n-1].done == nil {
		seg = w.queue[n-1]
	} else {
		seg = &segment{index: map[string]int{}}
		w.queue = append(w.queue, seg)
	}
	for _, op := range ops {
		if i, ok := seg.index[op.path]; ok && op.kind == opSet && seg.ops[i].kind != opDelete {
			seg.ops[i].data = op.data // a later write of the same node wins
			continue
		}
		seg.index[op.path] = len(seg.ops)
		seg.ops = append(seg.ops, op)
	}
	w.poke()
}

func (w *writer) apply(ctx context.Context, ops []Op) error {
	done := make(chan error, 1)
	w.mu.Lock()
	if w.err != nil {
		w.mu.Unlock()
		return w.err
	}
	w.queue = append(w.queue, &segment{ops: ops, done: done})
	w.mu.Unlock()
	w.poke()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("zkstate: write: %w", ctx.Err())
	}
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	w.err = err
	close(w.failed)
	for _, seg := range w.queue {
		if seg.done != nil {
			seg.done <- err
		}
	}
	w.queue = nil
}

func (w *writer) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.closed
	w.fail(ErrClosed)
}

func (w *writer) run() {
	defer close(w.closed)
	for {
		w.mu.Lock()
		var seg *segment
		if len(w.queue) > 0 && w.err == nil {
			seg = w.queue[0]
			w.queue = w.queue[1:]
		}
		w.mu.Unlock()
		if seg == nil {
			select {
			case <-w.wake:
				continue
			case <-w.stop:
				return
			}
		}
		err := w.write(seg.ops)
		if errors.Is(err, ErrFenced) {
			w.log.Warn("zkstate: writes fenced off; this instance no longer leads")
			if seg.done != nil {
				seg.done <- err
			}
			w.fail(err)
			continue
		}
		if err != nil {
			// Only stop ends write's retries.
			if seg.done != nil {
				seg.done <- err
			}
			return
		}
		if seg.done != nil {
			seg.done <- nil
		}
	}
}

// write applies ops in batches, retrying through connection trouble until
// they are written, fenced off, or the writer stops.
func (w *writer) write(ops []Op) error {
	for start := 0; start < len(ops); {
		end, size := start, 0
		for end < len(ops) && end-start < maxBatchOps && (end == start || size+len(ops[end].data) < maxBatchBytes) {
			size += len(ops[end].data) + len(ops[end].path)
			end++
		}
		if err := w.writeBatch(ops[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

func (w *writer) writeBatch(ops []Op) error {
	backoff := wait.Backoff{Duration: 20 * time.Millisecond, Factor: 2, Cap: time.Second, Steps: math.MaxInt32}
	tolerant := false // after an ambiguous failure, replay one by one
	for {
		var err error
		if tolerant {
			err = w.writeEach(ops)
		} else {
			err = w.multi(ops)
		}
		var opErr *batchError
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrFenced):
			return err
		case errors.As(err, &opErr):
			// A node existed or was missing: replay tolerantly.
			tolerant = true
			continue
		}
		w.log.Debug("zkstate: write failed; retrying", "err", err, "ops", len(ops))
		// Connection trouble: the batch may or may not have been applied.
		tolerant = true
		select {
		case <-time.After(backoff.Step()):
		case <-w.stop:
			return fmt.Errorf("zkstate: stopped with %d writes pending: %w", len(ops), err)
		}
	}
}

type batchError struct {
	op  Op
	err error
}

func (e *batchError) Error() string { return e.op.String() + ": " + e.err.Error() }

func (w *writer) request(op Op) any {
	switch op.kind {
	case opCreate:
		return &zk.CreateRequest{Path: op.path, Data: op.data, Acl: w.acl}
	case opSet:
		return &zk.SetDataRequest{Path: op.path, Data: op.data, Version: -1}
	default:
		return &zk.DeleteRequest{Path: op.path, Version: -1}
	}
}

// multi runs ops atomically behind the fence check.
func (w *writer) multi(ops []Op) error {
	reqs := make([]any, 0, len(ops)+1)
	if w.fence != "" {
		reqs = append(reqs, &zk.CheckVersionRequest{Path: w.fence, Version: -1})
	}
	for _, op := range ops {
		reqs = append(reqs, w.request(op))
	}
	res, err := w.conn.Multi(reqs...)
	if err == nil {
		return nil
	}
	if len(res) != len(reqs) {
		return err // the request did not get an answer: connection trouble
	}
	for i, r := range res {
		if r.Error == nil {
			continue // ops before the failing one report success
		}
		if w.fence != "" && i == 0 {
			return ErrFenced
		}
		j := i
		if w.fence != "" {
			j--
		}
		return &batchError{op: ops[j], err: r.Error}
	}
	return err
}

// writeEach applies ops one at a time, each behind the fence, treating
// "already exists" for a create as an overwrite and "does not exist" for a
// set or delete as done.
func (w *writer) writeEach(ops []Op) error {
	for _, op := range ops {
		err := w.multi([]Op{op})
		var be *batchError
		if !errors.As(err, &be) {
			if err != nil {
				return err
			}
			continue
		}
		switch {
		case op.kind == opCreate && errors.Is(be.err, zk.ErrNodeExists):
			if err := w.multi([]Op{{kind: opSet, path: op.path, data: op.data}}); err != nil && !errors.As(err, &be) {
				return err
			}
		case op.kind == opCreate && errors.Is(be.err, zk.ErrNoNode):
			w.log.Warn("zkstate: parent missing; write dropped", "op", op.String())
		case errors.Is(be.err, zk.ErrNoNode):
			// set or delete of a node already deleted
		default:
			w.log.Warn("zkstate: write dropped", "op", op.String(), "err", be.err)
		}
	}
	return nil
}
