package mesos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpmaster"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	mastercalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"

	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// KindApplication is the workload kind of Mesos applications.
const KindApplication = "Application"

// Settings keys a Mesos cluster's orchestrators.Conn may carry.
const (
	// SettingZK lists BCS's state ZooKeeper servers, host:port[,host:port].
	SettingZK = "zk"
	// SettingRoot overrides the state root (default /bcs/mesos/<cluster>).
	SettingRoot = "root"
)

// Orchestrator implements orchestrators.Orchestrator for a Mesos cluster
// on top of the framework scheduler. Namespaces are the applications'
// grouping only (the original's RunAs); agent maintenance is the master's
// business and answers ErrUnsupported.
type Orchestrator struct {
	cluster string
	ready   chan struct{} // closed once svc or err is set
	svc     *scheduler.Service
	err     error
	owned   bool // started here: Close stops it
}

var (
	_ orchestrators.Orchestrator = (*Orchestrator)(nil)
	_ orchestrators.Readier      = (*Orchestrator)(nil)
)

// New wraps a running scheduler instance (not closed by Close).
func New(svc *scheduler.Service) *Orchestrator {
	o := &Orchestrator{cluster: svc.Cluster(), ready: make(chan struct{}), svc: svc}
	close(o.ready)
	return o
}

func (o *Orchestrator) service(ctx context.Context) (*scheduler.Service, error) {
	select {
	case <-o.ready:
	case <-ctx.Done():
		return nil, &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Object: "cluster " + o.cluster,
			Message: "the Mesos scheduler is still starting", Err: ctx.Err()}
	}
	if o.err != nil {
		return nil, &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Object: "cluster " + o.cluster,
			Message: o.err.Error(), Err: o.err}
	}
	return o.svc, nil
}

// Service returns the scheduler instance behind the orchestrator, for the
// Mesos-specific API (tasks, versions, deployments, events).
func (o *Orchestrator) Service(ctx context.Context) (*scheduler.Service, error) {
	return o.service(ctx)
}

// Ready waits until this replica's scheduler instance has won, or found,
// its leader: before that the cluster takes no operations.
func (o *Orchestrator) Ready(ctx context.Context) error {
	svc, err := o.service(ctx)
	if err != nil {
		return err
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !svc.IsLeader() {
		select {
		case <-ctx.Done():
			return &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: "the Mesos scheduler elected no leader in time"}
		case <-t.C:
		}
	}
	return nil
}

// classify maps scheduler errors to orchestrator errors about object.
func classify(object string, err error) error {
	if err == nil {
		return nil
	}
	var oe *orchestrators.Error
	switch {
	case errors.As(err, &oe):
		return err
	case scheduler.IsUserError(err):
		return &orchestrators.Error{Kind: orchestrators.ErrBadInput, Object: object, Message: err.Error(), Err: err}
	case errors.Is(err, scheduler.ErrNotLeader), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Object: object, Message: err.Error(), Err: err}
	}
	return &orchestrators.Error{Kind: orchestrators.ErrAPI, Object: object, Message: err.Error(), Err: err}
}

func appRef(ref orchestrators.WorkloadRef) (spec.Ref, error) {
	if ref.Kind != "" && ref.Kind != KindApplication {
		return spec.Ref{}, &orchestrators.Error{Kind: orchestrators.ErrUnsupported, Object: ref.String(),
			Message: fmt.Sprintf("Mesos clusters run %ss, not %ss", KindApplication, ref.Kind)}
	}
	ns := ref.Namespace
	if ns == "" {
		ns = spec.DefaultNamespace
	}
	r, err := spec.ParseRef(ns + "/" + ref.Name)
	if err != nil {
		return spec.Ref{}, orchestrators.BadInput(ref.String(), "%v", err)
	}
	return r, nil
}

func object(r spec.Ref) string { return KindApplication + " " + r.String() }

// Probe reads the master's version and its agents' total resources.
func (o *Orchestrator) Probe(ctx context.Context) (*orchestrators.ClusterInfo, error) {
	svc, err := o.service(ctx)
	if err != nil {
		return nil, err
	}
	what := "cluster " + o.cluster
	url, err := svc.MasterURL(ctx)
	if err != nil {
		return nil, &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Object: what, Message: err.Error(), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sender := httpmaster.NewSender(httpcli.New(httpcli.Endpoint(url+"/api/v1"),
		httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]),
		httpcli.Do(httpcli.With(httpcli.Transport(svc.ConfineTransport)))).Send)
	call := func(c *master.Call) (*master.Response, error) {
		resp, err := sender.Send(ctx, mastercalls.NonStreaming(c))
		if err != nil {
			return nil, &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Object: what, Message: err.Error(), Err: err}
		}
		defer resp.Close()
		var out master.Response
		if err := resp.Decode(&out); err != nil {
			return nil, &orchestrators.Error{Kind: orchestrators.ErrAPI, Object: what, Message: err.Error(), Err: err}
		}
		return &out, nil
	}
	version, err := call(mastercalls.GetVersion())
	if err != nil {
		return nil, err
	}
	agents, err := call(mastercalls.GetAgents())
	if err != nil {
		return nil, err
	}
	info := &orchestrators.ClusterInfo{Version: version.GetGetVersion().GetVersionInfo().Version}
	for _, a := range agents.GetGetAgents().Agents {
		info.Nodes++
		for _, r := range a.TotalResources {
			switch r.Name {
			case "cpus":
				info.CPUMilli += int64(r.GetScalar().GetValue() * 1000)
			case "mem":
				info.MemoryBytes += int64(r.GetScalar().GetValue()) << 20
			}
		}
	}
	return info, nil
}

// Scale sets an application's instance count.
func (o *Orchestrator) Scale(ctx context.Context, ref orchestrators.WorkloadRef, replicas int32) (*orchestrators.ScaleResult, error) {
	r, err := appRef(ref)
	if err != nil {
		return nil, err
	}
	svc, err := o.service(ctx)
	if err != nil {
		return nil, err
	}
	prev, err := svc.ScaleApp(ctx, r, int(replicas))
	if err != nil {
		return nil, classify(object(r), err)
	}
	return &orchestrators.ScaleResult{Previous: int32(prev), Replicas: replicas}, nil
}

// Restart replaces every task of an application with a rolling update.
func (o *Orchestrator) Restart(ctx context.Context, ref orchestrators.WorkloadRef) error {
	r, err := appRef(ref)
	if err != nil {
		return err
	}
	svc, err := o.service(ctx)
	if err != nil {
		return err
	}
	_, err = svc.RestartApp(ctx, r)
	return classify(object(r), err)
}

// Rollback returns an application to a kept version (0: the previous one);
// ToRevision is the version whose spec is restored.
func (o *Orchestrator) Rollback(ctx context.Context, ref orchestrators.WorkloadRef, revision int64) (*orchestrators.RollbackResult, error) {
	r, err := appRef(ref)
	if err != nil {
		return nil, err
	}
	svc, err := o.service(ctx)
	if err != nil {
		return nil, err
	}
	from, to, err := svc.RollbackApp(ctx, r, revision)
	if err != nil {
		return nil, classify(object(r), err)
	}
	return &orchestrators.RollbackResult{FromRevision: from, ToRevision: to}, nil
}

// Delete deletes an application (its tasks are killed first).
func (o *Orchestrator) Delete(ctx context.Context, req orchestrators.DeleteRequest) error {
	r, err := appRef(orchestrators.WorkloadRef{Namespace: req.Ref.Namespace, Kind: req.Ref.Kind, Name: req.Ref.Name})
	if err != nil {
		return err
	}
	svc, err := o.service(ctx)
	if err != nil {
		return err
	}
	return classify(object(r), svc.DeleteApp(ctx, r))
}

// ApplyNamespace accepts a namespace without quota or limits: in Mesos a
// namespace only groups applications, and exists while they do.
func (o *Orchestrator) ApplyNamespace(_ context.Context, ns orchestrators.NamespaceSpec) error {
	if _, err := spec.ParseRef(ns.Name + "/x"); err != nil {
		return orchestrators.BadInput("namespace "+ns.Name, "%v", err)
	}
	if len(ns.Quota) > 0 || ns.Limits != nil {
		return unsupported("namespace "+ns.Name, "quotas and limits")
	}
	return nil
}

// DeleteNamespace deletes every application in the namespace.
func (o *Orchestrator) DeleteNamespace(ctx context.Context, name string) error {
	svc, err := o.service(ctx)
	if err != nil {
		return err
	}
	apps, err := svc.ListApps(ctx, name)
	if err != nil {
		return classify("namespace "+name, err)
	}
	for _, a := range apps {
		if err := svc.DeleteApp(ctx, a.Ref); err != nil {
			return classify(object(a.Ref), err)
		}
	}
	return nil
}

func unsupported(object, what string) error {
	return &orchestrators.Error{Kind: orchestrators.ErrUnsupported, Object: object,
		Message: what + " are not supported on Mesos clusters"}
}

// CordonNode is not supported: agent maintenance belongs to the master.
func (o *Orchestrator) CordonNode(context.Context, string) error {
	return unsupported("node", "cordoning agents")
}

// UncordonNode is not supported.
func (o *Orchestrator) UncordonNode(context.Context, string) error {
	return unsupported("node", "cordoning agents")
}

// SetNodeLabels is not supported: agent attributes are set on the agent.
func (o *Orchestrator) SetNodeLabels(context.Context, string, map[string]string, []string) error {
	return unsupported("node", "agent attribute changes")
}

// SetNodeTaints is not supported.
func (o *Orchestrator) SetNodeTaints(context.Context, string, []orchestrators.Taint) error {
	return unsupported("node", "taints")
}

// DrainNode is not supported.
func (o *Orchestrator) DrainNode(context.Context, orchestrators.DrainRequest) (*orchestrators.DrainResult, error) {
	return nil, unsupported("node", "agent drains")
}

// Close stops the scheduler instance if the factory started it.
func (o *Orchestrator) Close() error {
	if !o.owned {
		return nil
	}
	<-o.ready
	if o.svc == nil {
		return nil
	}
	return o.svc.Close()
}
