package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultNamespace is where an application without a namespace runs, as the
// original's RunAs default.
const DefaultNamespace = "defaultGroup"

// App is one application: Instances copies of the same task, each with a
// stable index 0…Instances-1. Every change of the spec other than scaling
// is a new version, kept for rollback.
type App struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Instances int    `json:"instances"`

	CPUs float64 `json:"cpus"`
	Mem  float64 `json:"mem"` // MiB
	Disk float64 `json:"disk,omitempty"`

	// Ports each take one host port from the offer (HostPort 0: any).
	Ports []Port `json:"ports,omitempty"`

	// Cmd runs through the shell; Args without Cmd run the container's
	// entrypoint (or Args[0]) with arguments. A command, an image or both.
	Cmd       string     `json:"cmd,omitempty"`
	Args      []string   `json:"args,omitempty"`
	Container *Container `json:"container,omitempty"`

	Env    map[string]string `json:"env,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`

	// Constraints must all hold for an offer to be used (AND).
	Constraints []Constraint `json:"constraints,omitempty"`
	// HealthChecks run on the agent (Mesos-native); their result is
	// reported as the task's health and does not trigger restarts, as in the
	// original. Mesos runs one check per task, so at most one is allowed.
	HealthChecks []HealthCheck `json:"healthChecks,omitempty"`

	RestartPolicy   RestartPolicy   `json:"restartPolicy"`
	UpgradeStrategy UpgradeStrategy `json:"upgradeStrategy"`
	// KillGracePeriodSeconds is how long a task may take to stop after
	// SIGTERM before it is killed (Mesos KillPolicy).
	KillGracePeriodSeconds int `json:"killGracePeriodSeconds,omitempty"`
}

// Port is a port the task listens on. The task learns the host port from
// $PORT<i> and $PORT_<NAME>.
type Port struct {
	Name          string `json:"name,omitempty"`
	HostPort      uint32 `json:"hostPort,omitempty"`
	ContainerPort uint32 `json:"containerPort,omitempty"`
	Protocol      string `json:"protocol,omitempty"` // tcp (default) or udp
}

// Container types.
const (
	ContainerDocker = "DOCKER"
	ContainerMesos  = "MESOS"
)

// Container runs the task from an image.
type Container struct {
	Type           string `json:"type,omitempty"` // DOCKER (default) or MESOS
	Image          string `json:"image"`
	ForcePullImage bool   `json:"forcePullImage,omitempty"`
	Network        string `json:"network,omitempty"` // HOST (default) or BRIDGE
	Privileged     bool   `json:"privileged,omitempty"`
}

// Restart policies, as the original: OnFailure restarts failed and lost
// tasks, Always also tasks that finished, Never none.
const (
	RestartOnFailure = "OnFailure"
	RestartAlways    = "Always"
	RestartNever     = "Never"
)

// RestartPolicy says whether and when an instance whose task ended is
// started again. The n-th consecutive restart waits IntervalSeconds +
// (n-1)·BackoffSeconds, at most MaxDelaySeconds (the original's 5, 15, 25 s
// for interval 5 and backoff 10). MaxTimes (0: unlimited) bounds the
// consecutive failures; a task that stays RUNNING for ResetAfter clears the
// count.
type RestartPolicy struct {
	Policy          string `json:"policy,omitempty"`
	IntervalSeconds int    `json:"intervalSeconds,omitempty"`
	BackoffSeconds  int    `json:"backoffSeconds,omitempty"`
	MaxDelaySeconds int    `json:"maxDelaySeconds,omitempty"`
	MaxTimes        int    `json:"maxTimes,omitempty"`
}

// UpgradeStrategy bounds a rolling update, as in Kubernetes: at most
// MaxSurge tasks above the instance count, and at most MaxUnavailable
// instances not RUNNING. Both default to 25% (surge rounded up,
// unavailable down); if both come to 0, one instance may be unavailable.
type UpgradeStrategy struct {
	MaxSurge       IntOrPercent `json:"maxSurge,omitzero"`
	MaxUnavailable IntOrPercent `json:"maxUnavailable,omitzero"`
}

// Health check protocols (Mesos-native checks run by the agent).
const (
	CheckHTTP    = "HTTP"
	CheckHTTPS   = "HTTPS"
	CheckTCP     = "TCP"
	CheckCommand = "COMMAND"
)

// HealthCheck probes a task; its outcome is the task's Healthy flag.
type HealthCheck struct {
	Protocol               string `json:"protocol"`
	Path                   string `json:"path,omitempty"`      // HTTP(S)
	PortIndex              int    `json:"portIndex,omitempty"` // HTTP(S), TCP: index into Ports
	Command                string `json:"command,omitempty"`   // COMMAND
	GracePeriodSeconds     int    `json:"gracePeriodSeconds,omitempty"`
	IntervalSeconds        int    `json:"intervalSeconds,omitempty"`
	TimeoutSeconds         int    `json:"timeoutSeconds,omitempty"`
	MaxConsecutiveFailures int    `json:"maxConsecutiveFailures,omitempty"`
}

// Ref names an application.
type Ref struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// String is namespace/name.
func (r Ref) String() string { return r.Namespace + "/" + r.Name }

// Key is the application's name in ZooKeeper paths and task ids:
// namespace.name (both are DNS labels, so the dot is unambiguous).
func (r Ref) Key() string { return r.Namespace + "." + r.Name }

// ParseRef parses namespace/name, or a bare name in DefaultNamespace.
func ParseRef(s string) (Ref, error) {
	ns, name, found := strings.Cut(s, "/")
	if !found {
		ns, name = DefaultNamespace, s
	}
	r := Ref{Namespace: ns, Name: name}
	if err := validateLabel(name); err != nil {
		return Ref{}, fmt.Errorf("application %q: name %w", s, err)
	}
	if err := validateLabel(ns); err != nil {
		return Ref{}, fmt.Errorf("application %q: namespace %w", s, err)
	}
	return r, nil
}

// ParseKey is the inverse of Ref.Key.
func ParseKey(key string) (Ref, bool) {
	ns, name, ok := strings.Cut(key, ".")
	if !ok || ns == "" || name == "" || strings.Contains(name, ".") {
		return Ref{}, false
	}
	return Ref{Namespace: ns, Name: name}, true
}

// Ref returns the application's reference.
func (a *App) Ref() Ref { return Ref{Namespace: a.Namespace, Name: a.Name} }

// WithDefaults returns a copy with defaults filled in; Validate expects it.
func (a App) WithDefaults() App {
	if a.Namespace == "" {
		a.Namespace = DefaultNamespace
	}
	if a.RestartPolicy.Policy == "" {
		a.RestartPolicy.Policy = RestartOnFailure
	}
	if a.RestartPolicy.BackoffSeconds == 0 && a.RestartPolicy.IntervalSeconds == 0 {
		a.RestartPolicy.BackoffSeconds = 5
	}
	if a.RestartPolicy.MaxDelaySeconds == 0 {
		a.RestartPolicy.MaxDelaySeconds = 300
	}
	if a.UpgradeStrategy.MaxSurge.IsZero() {
		a.UpgradeStrategy.MaxSurge = Percent(25)
	}
	if a.UpgradeStrategy.MaxUnavailable.IsZero() {
		a.UpgradeStrategy.MaxUnavailable = Percent(25)
	}
	if a.Container != nil {
		c := *a.Container
		if c.Type == "" {
			c.Type = ContainerDocker
		}
		if c.Network == "" {
			c.Network = "HOST"
		}
		a.Container = &c
	}
	if len(a.Ports) > 0 {
		ports := make([]Port, len(a.Ports))
		copy(ports, a.Ports)
		for i := range ports {
			if ports[i].Protocol == "" {
				ports[i].Protocol = "tcp"
			}
		}
		a.Ports = ports
	}
	if len(a.Constraints) > 0 {
		cs := make([]Constraint, len(a.Constraints))
		copy(cs, a.Constraints)
		for i := range cs {
			cs[i].Operator = canonicalOp(strings.ToUpper(strings.TrimSpace(cs[i].Operator)))
		}
		a.Constraints = cs
	}
	return a
}

// TaskID builds a task id: namespace.name.index.suffix, where suffix is
// unique per launch. The index stays with the instance across restarts and
// updates; the suffix tells launches apart.
func TaskID(r Ref, index int, suffix string) string {
	return r.Key() + "." + strconv.Itoa(index) + "." + suffix
}

// ParseTaskID splits a task id built by TaskID.
func ParseTaskID(id string) (r Ref, index int, ok bool) {
	parts := strings.Split(id, ".")
	if len(parts) != 4 {
		return Ref{}, 0, false
	}
	index, err := strconv.Atoi(parts[2])
	if err != nil || index < 0 {
		return Ref{}, 0, false
	}
	return Ref{Namespace: parts[0], Name: parts[1]}, index, true
}
