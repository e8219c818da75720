// Package mesoswatch feeds a Mesos cluster, as BCS's own framework scheduler
// sees it, into the same change log as Kubernetes: applications become
// MesosApplication workloads and tasks MesosTask pods, so one `changes`
// subscription shows both orchestrators.
//
// The scheduler's event stream (applications and tasks as they change,
// never dropped) drives it; on start and whenever the scheduler reports a
// RESYNC (a new leader), the full lists are resynced against storage.
package mesoswatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
)

// Kinds written to the change log.
const (
	KindApplication = "MesosApplication"
	KindTask        = "MesosTask"
)

// Watcher syncs one Mesos cluster until its context ends.
type Watcher struct {
	ClusterID, ProjectID gid.ID
	Service              *scheduler.Service
	Writer               *changelog.Writer
	Log                  *slog.Logger
}

// Run follows the scheduler's events.
func (w *Watcher) Run(ctx context.Context) error {
	events, cancel := w.Service.Events()
	defer cancel()
	if err := w.resync(ctx); err != nil && !errors.Is(err, scheduler.ErrNotLeader) {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if err := w.apply(ctx, ev); err != nil {
				return err
			}
		}
	}
}

func (w *Watcher) apply(ctx context.Context, ev scheduler.Event) error {
	switch ev.Type {
	case scheduler.EventResync:
		return w.resync(ctx)
	case scheduler.EventAppChanged:
		if ev.AppStatus != nil {
			return w.Writer.Submit(ctx, w.app(*ev.AppStatus))
		}
	case scheduler.EventAppDeleted:
		return w.Writer.Submit(ctx, changelog.Event{ClusterID: w.ClusterID, ProjectID: w.ProjectID, Kind: KindApplication,
			Namespace: ev.App.Namespace, Name: ev.App.Name, Type: changelog.Deleted})
	case scheduler.EventTaskChanged:
		if ev.Task != nil {
			return w.Writer.Submit(ctx, w.task(*ev.Task))
		}
	}
	return nil
}

// resync writes the difference between the scheduler's state and storage.
func (w *Watcher) resync(ctx context.Context) error {
	apps, err := w.Service.ListApps(ctx, "")
	if err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	tasks, err := w.Service.ListTasks(ctx, nil)
	if err != nil {
		return fmt.Errorf("list tasks: %w", err)
	}
	appEvents := make([]changelog.Event, 0, len(apps))
	for _, a := range apps {
		appEvents = append(appEvents, w.app(a))
	}
	taskEvents := make([]changelog.Event, 0, len(tasks))
	for _, t := range tasks {
		if !t.Removed {
			taskEvents = append(taskEvents, w.task(t))
		}
	}
	if err := w.Writer.Resync(ctx, w.ClusterID, KindApplication, appEvents); err != nil {
		return err
	}
	return w.Writer.Resync(ctx, w.ClusterID, KindTask, taskEvents)
}

func (w *Watcher) app(a scheduler.AppStatus) changelog.Event {
	var images []string
	if a.Spec.Container != nil && a.Spec.Container.Image != "" {
		images = []string{a.Spec.Container.Image}
	}
	row := &changelog.WorkloadRow{Desired: a.Instances, Ready: a.Running, Updated: a.Current, Available: a.Running,
		Images: images, Labels: a.Spec.Labels,
		Spec:   map[string]any{"instances": a.Instances, "cpus": a.Spec.CPUs, "version": a.Version},
		Status: map[string]any{"status": a.Status, "running": a.Running, "staging": a.Staging, "healthy": a.Healthy}}
	return changelog.Event{ClusterID: w.ClusterID, ProjectID: w.ProjectID, Kind: KindApplication,
		Namespace: a.Ref.Namespace, Name: a.Ref.Name, Type: changelog.Modified, Row: row,
		Object: map[string]any{"instances": a.Instances, "running": a.Running, "current": a.Current,
			"status": a.Status, "version": a.Version, "images": images}}
}

func (w *Watcher) task(t scheduler.TaskStatus) changelog.Event {
	ev := changelog.Event{ClusterID: w.ClusterID, ProjectID: w.ProjectID, Kind: KindTask,
		Namespace: t.App.Namespace, Name: t.ID, Type: changelog.Modified}
	if t.Removed {
		ev.Type = changelog.Deleted
		return ev
	}
	row := &changelog.PodRow{Phase: t.State, NodeName: t.Host, HostIP: t.Host,
		OwnerKind: KindApplication, OwnerName: t.App.Name, WorkloadKind: KindApplication, WorkloadName: t.App.Name}
	if !t.Started.IsZero() {
		s := t.Started
		row.StartedAt = &s
	}
	ev.Row = row
	ev.Object = map[string]any{"state": t.State, "host": t.Host, "index": strconv.Itoa(t.Index),
		"version": t.Version, "ports": t.Ports, "reason": t.Reason}
	return ev
}
