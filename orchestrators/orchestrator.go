// Package orchestrators defines what BCS asks of a cluster, whatever runs it:
// the Orchestrator interface that resolvers call for workload, namespace and
// node operations, the request and result types they exchange, the Error
// type that tells bad user input from cluster failures, and a Router that
// picks an implementation by cluster kind (k8s/ for Kubernetes, mesos/ for
// Mesos) and caches one per cluster.
package orchestrators

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind is a cluster kind, as stored on the cluster.
type Kind string

// Cluster kinds.
const (
	KindK8s   Kind = "K8S"
	KindMesos Kind = "MESOS"
)

// Orchestrator performs operations on one cluster. Every method honours ctx
// and also bounds its own network calls, so none can hang. Errors are
// *Error (use errors.As, or IsBadInput).
type Orchestrator interface {
	// Probe checks the cluster answers and reads its version and capacity.
	Probe(ctx context.Context) (*ClusterInfo, error)

	// Apply creates or updates the objects of a manifest (server-side apply).
	// With DryRun nothing changes and the result says what would.
	Apply(ctx context.Context, req ApplyRequest) (*ApplyResult, error)
	// Scale sets a workload's replicas.
	Scale(ctx context.Context, ref WorkloadRef, replicas int32) (*ScaleResult, error)
	// Restart replaces a workload's pods with a rolling update.
	Restart(ctx context.Context, ref WorkloadRef) error
	// Rollback returns a workload to a recorded revision; revision 0 means
	// the one before the current.
	Rollback(ctx context.Context, ref WorkloadRef, revision int64) (*RollbackResult, error)
	// Delete removes an object.
	Delete(ctx context.Context, req DeleteRequest) error

	// ApplyNamespace creates or updates a namespace with its quota and
	// limits; a nil Quota or Limits removes the ones BCS set before.
	ApplyNamespace(ctx context.Context, ns NamespaceSpec) error
	// DeleteNamespace deletes a namespace and everything in it.
	DeleteNamespace(ctx context.Context, name string) error

	// CordonNode marks a node unschedulable; UncordonNode reverses it.
	CordonNode(ctx context.Context, name string) error
	UncordonNode(ctx context.Context, name string) error
	// SetNodeLabels sets and removes node labels, leaving others alone.
	SetNodeLabels(ctx context.Context, name string, set map[string]string, remove []string) error
	// SetNodeTaints replaces the node's taints, except the system ones
	// (node.kubernetes.io/…) that the cluster manages itself.
	SetNodeTaints(ctx context.Context, name string, taints []Taint) error
	// DrainNode cordons a node and evicts its pods, respecting disruption
	// budgets, until it is empty or req.Timeout passes.
	DrainNode(ctx context.Context, req DrainRequest) (*DrainResult, error)

	// Close releases connections; the Router calls it when it drops a cluster.
	Close() error
}

// Readier is an Orchestrator that can answer a probe before it can take
// operations (a Mesos scheduler instance must first win, or find, its
// leader). Ready blocks until it can, or ctx ends.
type Readier interface {
	Ready(ctx context.Context) error
}

// ClusterInfo is what a probe learns about a cluster.
type ClusterInfo struct {
	Version string // e.g. v1.37.2
	Nodes   int
	// Capacity totals over all nodes.
	CPUMilli    int64
	MemoryBytes int64
	Pods        int64
}

// WorkloadRef names a workload, e.g. {"default", "Deployment", "web"}.
type WorkloadRef struct {
	Namespace string
	Kind      string
	Name      string
}

func (r WorkloadRef) String() string { return r.Kind + " " + r.Namespace + "/" + r.Name }

// ObjectRef names any object; APIVersion is optional when Kind is one BCS
// manages (e.g. Deployment, Service).
type ObjectRef struct {
	APIVersion string
	Kind       string
	Namespace  string // empty for cluster-scoped objects
	Name       string
}

func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// ApplyRequest carries a manifest: one or more objects as multi-document
// YAML, a JSON object, or a JSON/YAML List.
type ApplyRequest struct {
	Manifest []byte
	// Namespace is used for namespaced objects that name none.
	Namespace string
	// DryRun validates and computes the result on the server without
	// persisting anything.
	DryRun bool
	// Force takes over fields another manager owns instead of failing with
	// a conflict. Fields BCS's own scale, restart or rollback changed are
	// taken over without it: the latest BCS mutation wins.
	Force bool
}

// Apply actions.
const (
	ActionCreated    = "created"
	ActionConfigured = "configured"
	ActionUnchanged  = "unchanged"
)

// ApplyResult lists one result per object, in manifest order.
type ApplyResult struct {
	DryRun  bool
	Objects []ObjectResult
}

// ObjectResult is what happened (or would happen) to one object.
type ObjectResult struct {
	Ref     ObjectRef
	Action  string        // ActionCreated, ActionConfigured or ActionUnchanged
	Changes []FieldChange // for ActionConfigured: what differs from the live object
}

// FieldChange is one changed field; Old and New are JSON (empty when the
// field is absent). Secret values are redacted.
type FieldChange struct {
	Path string // e.g. spec.replicas, spec.template.spec.containers[0].image
	Old  string
	New  string
}

// ScaleResult reports replicas before and after.
type ScaleResult struct {
	Previous int32
	Replicas int32
}

// RollbackResult reports the revisions involved.
type RollbackResult struct {
	FromRevision int64
	ToRevision   int64
}

// Propagation policies for DeleteRequest.
const (
	PropagationBackground = "Background"
	PropagationForeground = "Foreground"
	PropagationOrphan     = "Orphan"
)

// DeleteRequest deletes one object; Propagation defaults to Background.
type DeleteRequest struct {
	Ref         ObjectRef
	Propagation string
}

// NamespaceSpec is the desired state of a namespace.
type NamespaceSpec struct {
	Name   string
	Labels map[string]string
	// Quota is the namespace's hard limits, e.g. {"requests.cpu": "4",
	// "pods": "20"}.
	Quota map[string]string
	// Limits sets per-container defaults and bounds.
	Limits *LimitSpec
}

// LimitSpec holds per-container resource bounds, keyed by resource name
// ("cpu", "memory").
type LimitSpec struct {
	Default        map[string]string // limits when a container sets none
	DefaultRequest map[string]string // requests when a container sets none
	Max            map[string]string
	Min            map[string]string
}

// Taint is a node taint; Effect is NoSchedule, PreferNoSchedule or NoExecute.
type Taint struct {
	Key    string
	Value  string
	Effect string
}

// DrainRequest drains a node.
type DrainRequest struct {
	Node string
	// Timeout bounds the whole drain, including waits on disruption
	// budgets; 0 means 2 minutes.
	Timeout time.Duration
	// GracePeriod overrides the pods' termination grace period when set.
	GracePeriod *int64
	// Force also deletes pods that no controller will recreate.
	Force bool
}

// DrainResult lists pods as namespace/name.
type DrainResult struct {
	Evicted []string
	Skipped []string // DaemonSet and mirror pods, which draining leaves
}

// ErrorKind classifies an Error for the caller.
type ErrorKind string

// Error kinds. BadInput and Unsupported are the user's to fix (report
// BAD_USER_INPUT); API and Unreachable are cluster outcomes (fail the
// Operation with the message); Conflict is an apply that would change
// fields another manager owns (Conflicts lists them; Force takes them).
const (
	ErrBadInput    ErrorKind = "BAD_INPUT"
	ErrUnsupported ErrorKind = "UNSUPPORTED"
	ErrAPI         ErrorKind = "API"
	ErrUnreachable ErrorKind = "UNREACHABLE"
	ErrConflict    ErrorKind = "CONFLICT"
)

// FieldConflict is one field an apply would change that another field
// manager (kubectl, an autoscaler, a controller) owns.
type FieldConflict struct {
	Object string `json:"object"` // e.g. "Deployment default/web"
	Field  string `json:"field"`  // e.g. ".spec.replicas"
	// Manager is the owner's field manager, e.g. "kubectl-edit"; Subresource
	// is set when it wrote through one (an HPA writes "scale").
	Manager     string `json:"manager"`
	Subresource string `json:"subresource,omitempty"`
}

// Error is the error every Orchestrator returns.
type Error struct {
	Kind ErrorKind
	// Object is the object concerned, when there is one (e.g.
	// "Deployment default/web", or "document 2" of a manifest).
	Object string
	// Reason and Code are the API server's (e.g. "Invalid", 422) for ErrAPI.
	Reason  string
	Code    int32
	Message string
	// Conflicts lists the contested fields of an ErrConflict.
	Conflicts []FieldConflict
	Err       error // the underlying error, if any
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Reason != "" {
		msg = e.Reason + ": " + msg
	}
	if e.Object != "" {
		msg = e.Object + ": " + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// BadInput returns an ErrBadInput error about object.
func BadInput(object, format string, args ...any) *Error {
	return &Error{Kind: ErrBadInput, Object: object, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err's *Error, or "" when it has none.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// IsBadInput reports whether the user must fix the request (BAD_USER_INPUT).
func IsBadInput(err error) bool {
	k := KindOf(err)
	return k == ErrBadInput || k == ErrUnsupported
}
