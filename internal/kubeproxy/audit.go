package kubeproxy

import (
	"context"
	"net/http"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/auditentry"
	"github.com/bcs-io/bcs/internal/auth"
)

// audit records one mutating request in the audit log: who, on which
// cluster, what (verb, resource, namespace, name) and the status code.
// The body is not kept: it may hold a Secret's values.
func (h *Handler) audit(ctx context.Context, v *auth.Viewer, c *ent.Cluster, q request, code int, requestID string) {
	result := auditentry.ResultSUCCESS
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		result = auditentry.ResultDENIED
	case code >= 400:
		result = auditentry.ResultFAILURE
	}
	resource := q.Resource
	if q.Subresource != "" {
		resource += "/" + q.Subresource
	}
	args := map[string]any{"clusterID": string(c.ID), "verb": q.Verb, "resource": resource,
		"namespace": q.Namespace, "name": q.Name, "code": code}
	if q.Group != "" {
		args["group"] = q.Group
	}
	entry := h.Client.AuditEntry.Create().
		SetActor(v.UserName).SetActorID(string(v.UserID)).
		SetAction("kubernetes." + q.Verb).
		SetTargetType(resource).SetTargetID(q.Name).SetProjectID(string(c.ProjectID)).
		SetArguments(args).SetResult(result).SetRequestID(requestID)
	if result != auditentry.ResultSUCCESS {
		entry.SetError(http.StatusText(code))
	}
	if err := entry.Exec(auth.System(context.WithoutCancel(ctx))); err != nil {
		h.Log.ErrorContext(ctx, "write audit entry of a proxied request", "cluster", c.ID, "request_id", requestID, "err", err)
	}
}
