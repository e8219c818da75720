package operations

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/orchestrators"
)

// faultyDriver makes the database unavailable on demand: while down, every
// UPDATE whose arguments contain match fails (all UPDATEs when match is
// empty), and each failure is signalled on failed.
type faultyDriver struct {
	dialect.Driver
	down   atomic.Bool
	match  string
	failed chan struct{}
}

var errUnavailable = errors.New("database unavailable (injected)")

func (d *faultyDriver) fault(query string, args any) error {
	if !d.down.Load() || !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(query)), "UPDATE") {
		return nil
	}
	if d.match != "" && !strings.Contains(fmt.Sprint(args), d.match) {
		return nil
	}
	select {
	case d.failed <- struct{}{}:
	default:
	}
	return errUnavailable
}

func (d *faultyDriver) Exec(ctx context.Context, query string, args, v any) error {
	if err := d.fault(query, args); err != nil {
		return err
	}
	return d.Driver.Exec(ctx, query, args, v)
}

func (d *faultyDriver) Query(ctx context.Context, query string, args, v any) error {
	if err := d.fault(query, args); err != nil {
		return err
	}
	return d.Driver.Query(ctx, query, args, v)
}

// Tx runs the transaction's statements through the fault too.
func (d *faultyDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &faultyTx{Tx: tx, d: d}, nil
}

type faultyTx struct {
	dialect.Tx
	d *faultyDriver
}

func (t *faultyTx) Exec(ctx context.Context, query string, args, v any) error {
	if err := t.d.fault(query, args); err != nil {
		return err
	}
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *faultyTx) Query(ctx context.Context, query string, args, v any) error {
	if err := t.d.fault(query, args); err != nil {
		return err
	}
	return t.Tx.Query(ctx, query, args, v)
}

// fakeOrchestrator is what the router hands jobs; jobs here bring their own Do.
type fakeOrchestrator struct{ orchestrators.Orchestrator }

func (fakeOrchestrator) Close() error { return nil }

type fixture struct {
	runner  *Runner
	drv     *faultyDriver
	cluster *ent.Cluster
	client  *ent.Client
}

func newFixture(t *testing.T, match string) *fixture {
	t.Helper()
	ctx := auth.System(context.Background())
	db, err := storage.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	drv := &faultyDriver{Driver: db.Driver, match: match, failed: make(chan struct{}, 1)}
	client := ent.NewClient(ent.Driver(drv))
	box, err := secrets.New(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	p := client.Project.Create().SetName("p").SetCode("p").SaveX(ctx)
	c := client.Cluster.Create().SetProjectID(p.ID).SetName("c").SetKind(cluster.KindK8S).SetStatus(cluster.StatusNORMAL).SaveX(ctx)
	sealed, err := box.Seal(string(c.ID), []byte("kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	c = c.Update().SetCredentials(sealed).SaveX(ctx)
	router := orchestrators.NewRouter()
	router.Register(orchestrators.KindK8s, func(context.Context, orchestrators.Conn) (orchestrators.Orchestrator, error) {
		return fakeOrchestrator{}, nil
	})
	r := &Runner{Client: client, Router: router, Box: box, Log: slog.New(slog.DiscardHandler), StoreRetry: 30 * time.Second}
	return &fixture{runner: r, drv: drv, cluster: c, client: client}
}

// A database fault while an operation starts used to panic in the
// runner's goroutine (op reassigned to the nil result of the failed Save,
// then op.ID read) and kill the server. Now the start is retried: the
// cluster is called only once RUNNING is recorded, and the operation ends.
func TestDatabaseFaultWhileStartingIsRetried(t *testing.T) {
	f := newFixture(t, "")
	ctx := auth.System(context.Background())
	var calls atomic.Int32
	f.drv.down.Store(true)
	op, err := f.runner.Start(ctx, Job{Cluster: f.cluster, Action: "SCALE",
		Do: func(context.Context, orchestrators.Orchestrator) (map[string]any, error) {
			calls.Add(1)
			return map[string]any{"ok": true}, nil
		}})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	<-f.drv.failed // the RUNNING write failed
	if calls.Load() != 0 {
		t.Fatal("the cluster was called before the operation's start was recorded")
	}
	f.drv.down.Store(false)
	f.runner.Wait()
	got := f.client.Operation.GetX(ctx, op.ID)
	if got.Status != operation.StatusSUCCEEDED || calls.Load() != 1 || got.StartedAt == nil {
		t.Fatalf("after the database came back: %s (%d calls)", got.Status, calls.Load())
	}
}

// When the start cannot be recorded within StoreRetry, the cluster is never
// called and the operation ends FAILED once the database takes the write.
func TestDatabaseFaultThatLastsFailsTheOperation(t *testing.T) {
	f := newFixture(t, string(operation.StatusRUNNING))
	f.runner.StoreRetry = 300 * time.Millisecond
	ctx := auth.System(context.Background())
	var calls atomic.Int32
	f.drv.down.Store(true)
	op, err := f.runner.Start(ctx, Job{Cluster: f.cluster, Action: "SCALE",
		Do: func(context.Context, orchestrators.Orchestrator) (map[string]any, error) {
			calls.Add(1)
			return nil, nil
		}})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	f.runner.Wait()
	got := f.client.Operation.GetX(ctx, op.ID)
	if got.Status != operation.StatusFAILED || got.Reason != "StorageUnavailable" || calls.Load() != 0 {
		t.Fatalf("got %s %q (%d calls)", got.Status, got.Reason, calls.Load())
	}
}

// The database going away while the cluster is being called: the outcome
// is written once it is back, not lost and not a crash.
func TestDatabaseFaultMidOperationKeepsTheOutcome(t *testing.T) {
	f := newFixture(t, "")
	ctx := auth.System(context.Background())
	release, called := make(chan struct{}), make(chan struct{})
	op, err := f.runner.Start(ctx, Job{Cluster: f.cluster, Action: "APPLY",
		Do: func(context.Context, orchestrators.Orchestrator) (map[string]any, error) {
			close(called)
			<-release
			return map[string]any{"applied": 1}, nil
		}})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	<-called
	f.drv.down.Store(true)
	close(release)
	<-f.drv.failed // the outcome write failed
	f.drv.down.Store(false)
	f.runner.Wait()
	got := f.client.Operation.GetX(ctx, op.ID)
	if got.Status != operation.StatusSUCCEEDED || got.Result["applied"] == nil {
		t.Fatalf("outcome after the fault: %s %v", got.Status, got.Result)
	}
}

// A job that panics fails its operation; the process lives on.
func TestPanickingJobFailsItsOperation(t *testing.T) {
	f := newFixture(t, "")
	ctx := auth.System(context.Background())
	op, err := f.runner.Start(ctx, Job{Cluster: f.cluster, Action: "APPLY",
		Do: func(context.Context, orchestrators.Orchestrator) (map[string]any, error) {
			var m map[string]int
			m["boom"]++ // nil map write
			return nil, nil
		}})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	f.runner.Wait()
	got := f.client.Operation.GetX(ctx, op.ID)
	if got.Status != operation.StatusFAILED || got.Reason != "InternalError" || strings.Contains(got.Message, "nil map") {
		t.Fatalf("panicking job: %s %q %q", got.Status, got.Reason, got.Message)
	}
}

// What users of a restricted cluster are told about a failure.
func TestPublicErrorsOfRestrictedClusters(t *testing.T) {
	body := apierrors.NewGenericServerResponse(500, "get", schema.GroupResource{Resource: "namespaces"}, "x", insideBody, 0, true)
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "web", nil)
	errs := map[string]error{
		"unreachable": &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: "dial tcp 127.0.0.1:22: connection refused"},
		"not the API": &orchestrators.Error{Kind: orchestrators.ErrAPI, Message: body.Error(), Err: body},
		"the API's":   &orchestrators.Error{Kind: orchestrators.ErrAPI, Reason: "Invalid", Message: invalid.Error(), Err: invalid},
	}
	for _, restricted := range []bool{true, false} {
		for kind, want := range map[cluster.Kind]string{cluster.KindK8S: netpolicy.UnreachableKubernetes, cluster.KindMESOS: netpolicy.UnreachableMesos} {
			c := &ent.Cluster{Kind: kind, Restricted: restricted}
			for name, err := range errs {
				_, msg := describe(Public(err, c))
				generic := msg == want
				if wantGeneric := restricted && name != "the API's"; generic != wantGeneric {
					t.Errorf("restricted=%v %s %s: %q", restricted, kind, name, msg)
				}
				if restricted && strings.Contains(msg, insideBody) {
					t.Errorf("restricted %s %s: the remote body is echoed: %q", kind, name, msg)
				}
			}
		}
	}
}

const insideBody = "secret answer of something that is not an API server"
