package resolvers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/follow"
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

// projectClusters follows a project's clusters on the shared poll of
// follows: one storage read per project, however many dashboards watch it.
// Each subscriber keeps its own view of what it was sent and hears of a
// cluster when it is new to it or its status changed.
func projectClusters(ctx context.Context, client *ent.Client, follows *follow.Registry, projectID gid.ID) (<-chan *ent.Cluster, error) {
	list := func(ctx context.Context) ([]*ent.Cluster, error) {
		return client.Cluster.Query().Where(cluster.ProjectID(projectID)).Order(cluster.ByID()).All(ctx)
	}
	first, err := list(ctx)
	if err != nil {
		return nil, err
	}
	states := follow.Follow(ctx, follows, "clusterStatus/"+string(projectID), first, follow.Object[[]*ent.Cluster]{
		Get: list,
		Version: func(cs []*ent.Cluster) string {
			var b strings.Builder
			for _, c := range cs {
				b.WriteString(string(c.ID) + "=" + string(c.Status) + ";")
			}
			return b.String()
		},
		Done: func([]*ent.Cluster) bool { return false },
	})
	out := make(chan *ent.Cluster, 8)
	go func() {
		defer close(out)
		sent := map[gid.ID]cluster.Status{}
		for cs := range states {
			for _, c := range cs {
				if prev, ok := sent[c.ID]; ok && prev == c.Status {
					continue
				}
				sent[c.ID] = c.Status
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
