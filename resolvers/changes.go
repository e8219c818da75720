package resolvers

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
)

// changeFilter confines a change-log filter to what the caller may see: the
// log is read below the privacy layer, so isolation is applied here.
func (r *Resolver) changeFilter(ctx context.Context, in *model.ChangesFilter) (changelog.Filter, error) {
	v, err := viewer(ctx)
	if err != nil {
		return changelog.Filter{}, err
	}
	var f changelog.Filter
	if in != nil {
		f.ClusterIDs, f.Namespaces, f.Kinds = in.ClusterIDs, in.Namespaces, in.Kinds
	}
	switch {
	case in != nil && in.ProjectID != nil:
		if !v.Can(auth.ProjectView, *in.ProjectID) {
			return f, apierr.Denied(string(auth.ProjectView))
		}
		f.ProjectIDs = []gid.ID{*in.ProjectID}
	case v.Admin:
		f.AllProjects = true
	default:
		f.ProjectIDs = v.ProjectIDs()
		if len(f.ProjectIDs) == 0 {
			f.ProjectIDs = []gid.ID{"prj_none"} // matches nothing
		}
	}
	return f, nil
}

func changeLogError(err error) error {
	if errors.Is(err, changelog.ErrRevisionCompacted) {
		return &apierr.Error{Code: apierr.BadUserInput, Field: "since", Err: err,
			Message: "that revision is older than the retained change log: re-list the objects, then follow from the current head",
			Extra:   map[string]any{"reason": "REVISION_COMPACTED"}}
	}
	return err
}

// pollEvery bounds how stale a cluster's status may be when it changed
// through another replica.
const pollEvery = 500 * time.Millisecond

// clusterStatuses sends a project's clusters whenever one's status changes.
func clusterStatuses(ctx context.Context, client *ent.Client, projectID gid.ID) <-chan *ent.Cluster {
	out := make(chan *ent.Cluster, 8)
	go func() {
		defer close(out)
		seen := map[gid.ID]cluster.Status{}
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			cs, err := client.Cluster.Query().Where(cluster.ProjectID(projectID)).All(ctx)
			if err != nil {
				return
			}
			for _, c := range cs {
				if prev, ok := seen[c.ID]; ok && prev == c.Status {
					continue
				}
				seen[c.ID] = c.Status
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
