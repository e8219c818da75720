package resolvers

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/change"
	"github.com/bcs-io/bcs/ent/workload"
	"github.com/bcs-io/bcs/internal/apierr"
)

// Events and ReplicaSets have no table of their own: the change log is
// their storage, and compaction keeps each object's latest change (unless
// it was deleted). These read that latest state for one workload.

// historyScan bounds how many log rows one field reads: a namespace with a
// storm of Events answers its newest ones rather than scanning them all.
const historyScan = 2000

// latest reads the newest change of each object of kind in the workload's
// cluster and namespace (names with prefix, when given), newest first, and
// drops objects whose latest change is a deletion.
func (r *Resolver) latest(ctx context.Context, w *ent.Workload, kind, prefix string) ([]*ent.Change, error) {
	q := r.Client.Change.Query().Where(change.ClusterID(w.ClusterID), change.Namespace(w.Namespace), change.Kind(kind))
	if prefix != "" {
		q = q.Where(change.NameHasPrefix(prefix))
	}
	rows, err := q.Order(ent.Desc(change.FieldRevision)).Limit(historyScan).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s history: %w", kind, err)
	}
	seen := map[string]bool{}
	var out []*ent.Change
	for _, c := range rows {
		if seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		if c.Type != change.TypeDELETED {
			out = append(out, c)
		}
	}
	return out, nil
}

// about reports whether an Event's involved object ("Kind/name") is the
// workload, one of its ReplicaSets or one of its pods (named after it).
func about(w *ent.Workload, kind string, c *ent.Change) bool {
	involved, _ := c.Object["involved"].(string)
	k, n, ok := strings.Cut(involved, "/")
	if !ok {
		return false
	}
	if k == kind && n == w.Name {
		return true
	}
	return (k == "Pod" || k == "ReplicaSet") && strings.HasPrefix(n, w.Name+"-")
}

func (r *Resolver) workloadEvents(ctx context.Context, w *ent.Workload, first int) ([]*ent.Change, error) {
	if first < 1 || first > 500 {
		return nil, apierr.Invalid("first", "first must be between 1 and 500")
	}
	all, err := r.latest(ctx, w, "Event", "")
	if err != nil {
		return nil, err
	}
	kind := kubeKind(w.Kind)
	out := []*ent.Change{}
	for _, c := range all {
		if about(w, kind, c) {
			out = append(out, c)
			if len(out) == first {
				break
			}
		}
	}
	return out, nil
}

func (r *Resolver) workloadRevisions(ctx context.Context, w *ent.Workload) ([]*ent.Change, error) {
	out := []*ent.Change{}
	if w.Kind != workload.KindDEPLOYMENT {
		return out, nil
	}
	all, err := r.latest(ctx, w, "ReplicaSet", w.Name+"-")
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Object["owner"] == "Deployment/"+w.Name {
			out = append(out, c)
		}
	}
	rev := func(c *ent.Change) int {
		s, _ := c.Object["revision"].(string)
		n, _ := strconv.Atoi(s)
		return n
	}
	sort.SliceStable(out, func(i, j int) bool { return rev(out[i]) > rev(out[j]) })
	return out, nil
}

// kubeKind is the Kubernetes kind name of a Workload kind enum.
func kubeKind(k workload.Kind) string {
	return map[workload.Kind]string{workload.KindDEPLOYMENT: "Deployment", workload.KindSTATEFUL_SET: "StatefulSet",
		workload.KindDAEMON_SET: "DaemonSet", workload.KindJOB: "Job", workload.KindCRON_JOB: "CronJob"}[k]
}
