package zkstate

import (
	"fmt"
	"path"
	"strconv"
)

// DefaultRoot is the root for a cluster when none is configured.
func DefaultRoot(cluster string) string { return path.Join("/bcs/mesos", cluster) }

// Paths computes node paths under a root.
type Paths struct{ Root string }

// Retired marks a cluster removed from BCS: no instance leads it again.
func (p Paths) Retired() string { return p.Root + "/retired" }

// FrameworkID is the framework id node.
func (p Paths) FrameworkID() string { return p.Root + "/framework_id" }

// Apps is the parent of application nodes.
func (p Paths) Apps() string { return p.Root + "/apps" }

// App is an application's node.
func (p Paths) App(key string) string { return p.Root + "/apps/" + key }

// Versions is the parent of an application's versions.
func (p Paths) Versions(key string) string { return p.App(key) + "/versions" }

// Version is one version's node; zero-padded so names sort by number.
func (p Paths) Version(key string, v int64) string {
	return fmt.Sprintf("%s/%010d", p.Versions(key), v)
}

// Tasks is the parent of an application's tasks.
func (p Paths) Tasks(key string) string { return p.App(key) + "/tasks" }

// Task is one task's node.
func (p Paths) Task(key, id string) string { return p.Tasks(key) + "/" + id }

// Deployments is the parent of deployment nodes.
func (p Paths) Deployments() string { return p.Root + "/deployments" }

// Deployment is one deployment's node.
func (p Paths) Deployment(id string) string { return p.Root + "/deployments/" + id }

// Leader is the election path.
func (p Paths) Leader() string { return p.Root + "/leader" }

func parseVersion(name string) (int64, bool) {
	v, err := strconv.ParseInt(name, 10, 64)
	return v, err == nil && v >= 0
}
