package changelog

import (
	"errors"
	"fmt"
	"time"

	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/redact"
)

// Type is what the source saw happen to an object.
type Type string

// Event types. ADDED and MODIFIED both mean "the object now looks like
// this"; the stored Change type is derived from what storage already has.
const (
	Added    Type = "ADDED"
	Modified Type = "MODIFIED"
	Deleted  Type = "DELETED"
)

// Event is one observation of one object, as a source reports it. A
// Kubernetes informer fills it from an object and its key; the Mesos watcher
// from an application or task.
type Event struct {
	ClusterID gid.ID
	// ProjectID is optional: the writer takes the project from the cluster
	// row. When set it must match, or the event is refused (a mismatch means
	// the caller is mixing up tenants).
	ProjectID gid.ID
	// Kind is the source's kind name: "Deployment", "Pod", "Node",
	// "Namespace", "Service", "MesosApplication", "MesosTask"…
	Kind string
	// Namespace is empty for cluster-scoped kinds (Node, Namespace).
	Namespace string
	Name      string
	Type      Type
	// Object is the stored projection: what BCS keeps of the object and what
	// subscribers receive. Volatile fields (resourceVersion, managedFields,
	// heartbeat times) must already be stripped: two projections are the
	// same object state exactly when their JSON encodings are equal. May be
	// nil for DELETED (the last stored projection is used). The writer hands
	// the map to subscribers as Change.Object: do not modify it after Submit.
	Object map[string]any
	// ResourceVersion is stored on the row for diagnostics; it is not part
	// of the comparison.
	ResourceVersion string
	// Row holds the typed fields for kinds stored in a table of their own
	// (see TableFor): *WorkloadRow, *PodRow, *NodeRow or *NamespaceRow. It
	// must be derived from Object only, since an event whose Object is
	// unchanged is dropped whatever its Row says. Not needed for DELETED.
	Row Row
	// Observed is when the source learned of the change (a Kubernetes
	// watcher: when its event handler ran); zero means when Submit took it.
	// It only feeds the latency histogram (Writer.Collectors).
	Observed time.Time

	// enc is Object's canonical JSON, encoded by Submit in the caller's
	// goroutine so the single applying goroutine does not have to.
	enc     []byte
	encoded bool
}

// encode fills enc; a DELETED without an object has none. A Secret's
// payload never enters the log: every member reads it, and it lives on in
// retained changes.
func (e *Event) encode() error {
	if e.Type == Deleted && e.Object == nil {
		return nil
	}
	e.Object = redact.Object(e.Kind, e.Object)
	b, err := marshal(e.Object)
	if err != nil {
		return fmt.Errorf("%w: %s %s/%s: object: %w", ErrInvalidEvent, e.Kind, e.Namespace, e.Name, err)
	}
	e.enc, e.encoded = b, true
	return nil
}

// Row is the typed part of an observed row; see the implementations.
type Row interface{ table() Table }

// WorkloadRow is the typed part of a Workload (Deployment, StatefulSet,
// DaemonSet, Job, CronJob, MesosApplication, MesosDeployment).
type WorkloadRow struct {
	Desired, Ready, Updated, Available int
	Images                             []string
	Labels                             map[string]string
	Spec, Status                       map[string]any
}

// PodRow is the typed part of a Pod or Mesos task.
type PodRow struct {
	Phase, NodeName, PodIP, HostIP string
	Restarts                       int
	OwnerKind, OwnerName           string
	Images                         []string
	Labels                         map[string]string
	StartedAt                      *time.Time
	// WorkloadKind and WorkloadName name the owning workload in the same
	// cluster and namespace ("Deployment", "web" for a ReplicaSet's pod);
	// the writer links the pod to that Workload row if it exists.
	WorkloadKind, WorkloadName string
}

// NodeRow is the typed part of a ClusterNode (Kubernetes node, Mesos agent).
type NodeRow struct {
	Status                string
	Unschedulable         bool
	InternalIP, Version   string
	Roles, Taints         []string
	Labels                map[string]string
	Capacity, Allocatable map[string]string
}

// NamespaceRow is the typed part of a Namespace.
type NamespaceRow struct {
	Status string
	Labels map[string]string
	Quota  map[string]string
}

func (*WorkloadRow) table() Table  { return Workloads }
func (*PodRow) table() Table       { return Pods }
func (*NodeRow) table() Table      { return Nodes }
func (*NamespaceRow) table() Table { return Namespaces }

// Table names where a kind's observed rows live.
type Table int

// Tables. LogOnly kinds have no rows: the change log is their storage.
const (
	LogOnly Table = iota
	Workloads
	Pods
	Nodes
	Namespaces
)

// workloadKinds maps source kind names to the Workload kind enum.
var workloadKinds = map[string]string{
	"Deployment":       "DEPLOYMENT",
	"StatefulSet":      "STATEFUL_SET",
	"DaemonSet":        "DAEMON_SET",
	"Job":              "JOB",
	"CronJob":          "CRON_JOB",
	"MesosApplication": "MESOS_APPLICATION",
	"MesosDeployment":  "MESOS_DEPLOYMENT",
}

// TableFor reports where rows of a kind are stored.
func TableFor(kind string) Table {
	if _, ok := workloadKinds[kind]; ok {
		return Workloads
	}
	switch kind {
	case "Pod", "MesosTask":
		return Pods
	case "Node", "MesosAgent":
		return Nodes
	case "Namespace":
		return Namespaces
	}
	return LogOnly
}

// ErrInvalidEvent is wrapped by Submit's and Resync's refusals.
var ErrInvalidEvent = errors.New("invalid event")

// validate checks what the database would otherwise reject later, when a
// failure would stall the whole batch.
func (e *Event) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s %s/%s: %s", ErrInvalidEvent, e.Kind, e.Namespace, e.Name, fmt.Sprintf(format, a...))
	}
	switch {
	case e.ClusterID == "":
		return bad("no cluster ID")
	case e.Kind == "":
		return bad("no kind")
	case e.Name == "":
		return bad("no name")
	}
	switch e.Type {
	case Added, Modified, Deleted:
	default:
		return bad("type %q", e.Type)
	}
	t := TableFor(e.Kind)
	if (t == Nodes || t == Namespaces) && e.Namespace != "" {
		return bad("kind is cluster-scoped but has namespace %q", e.Namespace)
	}
	if e.Type == Deleted {
		return nil
	}
	if t == LogOnly {
		if e.Row != nil {
			return bad("kind has no table, but a %T row was given", e.Row)
		}
		return nil
	}
	if e.Row == nil || e.Row.table() != t {
		return bad("kind needs a %s row, got %T", t, e.Row)
	}
	if nilRow(e.Row) {
		return bad("nil %T row", e.Row)
	}
	return nil
}

func nilRow(r Row) bool {
	switch r := r.(type) {
	case *WorkloadRow:
		return r == nil
	case *PodRow:
		return r == nil
	case *NodeRow:
		return r == nil
	case *NamespaceRow:
		return r == nil
	}
	return r == nil
}

func (t Table) String() string {
	switch t {
	case Workloads:
		return "*WorkloadRow"
	case Pods:
		return "*PodRow"
	case Nodes:
		return "*NodeRow"
	case Namespaces:
		return "*NamespaceRow"
	}
	return "log-only"
}

// encoding returns Object's canonical JSON, encoding it now if Submit did not.
func (e *Event) encoding() ([]byte, error) {
	if !e.encoded {
		if err := e.encode(); err != nil {
			return nil, err
		}
	}
	return e.enc, nil
}
