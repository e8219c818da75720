package mesoswatch

import (
	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
)

// appEvent is an application as MesosApplication objects look: the shape
// the scheduler-fed watcher wrote, so storage and clients see no change.
func appEvent(w *Watcher, a scheduler.AppStatus) changelog.Event {
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
