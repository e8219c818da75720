package zkstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/internal/zkutil"
)

// Store reads and writes one cluster's framework state.
type Store struct {
	Paths
	conn *zk.Conn
	log  *slog.Logger
	w    *writer
}

// Open prepares the layout under root and starts the writer. fence is the
// leader's election node (empty: unfenced, for tools and tests). Nodes are
// created with acl (none given: open to all; see zkutil.WithAuth).
func Open(conn *zk.Conn, root, fence string, log *slog.Logger, acl ...zk.ACL) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if len(acl) == 0 {
		acl = zk.WorldACL(zk.PermAll)
	}
	s := &Store{Paths: Paths{Root: root}, conn: conn, log: log}
	for _, p := range []string{s.Apps(), s.Deployments()} {
		if err := zkutil.EnsurePathACL(conn, p, acl); err != nil {
			return nil, err
		}
	}
	s.w = newWriter(conn, fence, acl, log)
	return s, nil
}

// Apply writes ops, after every write queued before, and waits for them.
func (s *Store) Apply(ctx context.Context, ops ...Op) error { return s.w.apply(ctx, ops) }

// Enqueue queues ops without waiting; repeated writes to a node coalesce.
func (s *Store) Enqueue(ops ...Op) { s.w.enqueue(ops) }

// Flush waits until every write queued so far is done.
func (s *Store) Flush(ctx context.Context) error { return s.w.apply(ctx, nil) }

// Failed is closed when the store stops accepting writes (fenced off or
// closed); Err says why.
func (s *Store) Failed() <-chan struct{} { return s.w.failed }

// Err is why writes stopped, or nil.
func (s *Store) Err() error {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.w.err
}

// Close stops the writer; queued writes that have not gone out are lost
// (the next leader recovers through reconciliation).
func (s *Store) Close() { s.w.close() }

// AppSnapshot is one application as stored.
type AppSnapshot struct {
	App      AppRecord
	Target   *VersionRecord // the version named by App.Version
	Versions []int64        // every kept version, ascending
	Tasks    []TaskRecord
}

// Snapshot is the whole stored state.
type Snapshot struct {
	FrameworkID string
	Apps        []AppSnapshot
	Deployments []DeploymentRecord
}

// Load reads everything. Records that fail to decode are logged and
// skipped rather than blocking a takeover.
func (s *Store) Load(ctx context.Context) (*Snapshot, error) {
	snap := &Snapshot{}
	id, _, err := s.conn.Get(s.FrameworkID())
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return nil, fmt.Errorf("zkstate: read framework id: %w", err)
	}
	snap.FrameworkID = string(id)

	keys, _, err := s.conn.Children(s.Apps())
	if err != nil {
		return nil, fmt.Errorf("zkstate: list apps: %w", err)
	}
	sort.Strings(keys)
	snap.Apps = make([]AppSnapshot, len(keys))
	err = parallel(ctx, len(keys), 8, func(i int) error {
		a, err := s.loadApp(ctx, keys[i])
		if err != nil {
			return err
		}
		snap.Apps[i] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	kept := snap.Apps[:0]
	for _, a := range snap.Apps {
		if a.App.Name != "" {
			kept = append(kept, a)
		}
	}
	snap.Apps = kept

	ids, _, err := s.conn.Children(s.Deployments())
	if err != nil {
		return nil, fmt.Errorf("zkstate: list deployments: %w", err)
	}
	for _, id := range ids {
		var d DeploymentRecord
		if ok, err := s.get(s.Deployment(id), &d); err != nil {
			return nil, err
		} else if ok {
			snap.Deployments = append(snap.Deployments, d)
		}
	}
	return snap, nil
}

func (s *Store) loadApp(ctx context.Context, key string) (AppSnapshot, error) {
	var a AppSnapshot
	if ok, err := s.get(s.App(key), &a.App); err != nil || !ok {
		return AppSnapshot{}, err
	}
	names, _, err := s.conn.Children(s.Versions(key))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return AppSnapshot{}, fmt.Errorf("zkstate: list versions of %s: %w", key, err)
	}
	for _, n := range names {
		if v, ok := parseVersion(n); ok {
			a.Versions = append(a.Versions, v)
		}
	}
	sort.Slice(a.Versions, func(i, j int) bool { return a.Versions[i] < a.Versions[j] })
	var target VersionRecord
	if ok, err := s.get(s.Paths.Version(key, a.App.Version), &target); err != nil {
		return AppSnapshot{}, err
	} else if ok {
		a.Target = &target
	} else {
		s.log.Error("zkstate: application without its target version", "app", key, "version", a.App.Version)
	}
	ids, _, err := s.conn.Children(s.Tasks(key))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return AppSnapshot{}, fmt.Errorf("zkstate: list tasks of %s: %w", key, err)
	}
	tasks := make([]TaskRecord, len(ids))
	found := make([]bool, len(ids))
	err = parallel(ctx, len(ids), 32, func(i int) error {
		ok, err := s.get(s.Task(key, ids[i]), &tasks[i])
		found[i] = ok
		return err
	})
	if err != nil {
		return AppSnapshot{}, err
	}
	for i, t := range tasks {
		if found[i] {
			a.Tasks = append(a.Tasks, t)
		}
	}
	return a, nil
}

// ReadVersion reads one version of an application (nil if not kept).
func (s *Store) ReadVersion(key string, v int64) (*VersionRecord, error) {
	var rec VersionRecord
	ok, err := s.get(s.Paths.Version(key, v), &rec)
	if err != nil || !ok {
		return nil, err
	}
	return &rec, nil
}

// get reads a JSON node; false if it does not exist or does not decode.
func (s *Store) get(path string, into any) (bool, error) {
	data, _, err := s.conn.Get(path)
	if errors.Is(err, zk.ErrNoNode) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("zkstate: read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		s.log.Error("zkstate: undecodable record skipped", "path", path, "err", err)
		return false, nil
	}
	return true, nil
}

// parallel runs f(0…n-1) on up to width goroutines; go-zookeeper pipelines
// concurrent requests on one connection, so reads of many small nodes
// overlap instead of paying one round trip each.
func parallel(ctx context.Context, n, width int, f func(int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan int)
	)
	for w := 0; w < min(width, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
