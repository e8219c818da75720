package kubeproxy

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/orchestrators"
)

// RoleBindings maps BCS's groups to the cluster's built-in ClusterRoles:
// what each project role may do in the clusters of its project. Platform
// admins are bcs:admin. The README names the same mapping.
var RoleBindings = []struct{ Group, ClusterRole string }{
	{"bcs:viewer", "view"},
	{"bcs:developer", "edit"},
	{"bcs:maintainer", "admin"},
	{"bcs:owner", "cluster-admin"},
	{AdminGroup, "cluster-admin"},
}

// managedBy labels what SyncRBAC owns.
const managedBy = "app.kubernetes.io/managed-by"

// SyncRBAC installs (or puts back) one ClusterRoleBinding per BCS group,
// named after the group. A binding whose role someone changed is
// recreated (roleRef cannot be updated); extra subjects are dropped.
func SyncRBAC(ctx context.Context, cs kubernetes.Interface) error {
	api := cs.RbacV1().ClusterRoleBindings()
	for _, b := range RoleBindings {
		want := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: b.Group, Labels: map[string]string{managedBy: "bcs"}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: b.ClusterRole},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: b.Group}},
		}
		cur, err := api.Get(ctx, b.Group, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = api.Create(ctx, want, metav1.CreateOptions{FieldManager: "bcs"})
		case err != nil:
		case cur.RoleRef != want.RoleRef:
			if err = api.Delete(ctx, b.Group, metav1.DeleteOptions{}); err == nil || apierrors.IsNotFound(err) {
				_, err = api.Create(ctx, want, metav1.CreateOptions{FieldManager: "bcs"})
			}
		default:
			cur.Subjects, cur.Labels = want.Subjects, want.Labels
			_, err = api.Update(ctx, cur, metav1.UpdateOptions{FieldManager: "bcs"})
		}
		if err != nil {
			return fmt.Errorf("cluster role binding %s: %w", b.Group, err)
		}
	}
	return nil
}

// SyncJob is the operation that runs SyncRBAC on a Kubernetes cluster
// (on registration, and by syncClusterRBAC).
func SyncJob(c *ent.Cluster) operations.Job {
	return operations.Job{Cluster: c, Action: "SYNC_RBAC", Kind: "ClusterRoleBinding",
		Do: func(ctx context.Context, o orchestrators.Orchestrator) (map[string]any, error) {
			k, ok := o.(interface{ Clientset() kubernetes.Interface })
			if !ok {
				return nil, &orchestrators.Error{Kind: orchestrators.ErrUnsupported, Object: "cluster " + string(c.ID),
					Message: "only Kubernetes clusters have RBAC"}
			}
			if err := SyncRBAC(ctx, k.Clientset()); err != nil {
				return nil, err
			}
			names := make([]string, len(RoleBindings))
			for i, b := range RoleBindings {
				names[i] = b.Group + " → " + b.ClusterRole
			}
			return map[string]any{"bindings": names}, nil
		}}
}
