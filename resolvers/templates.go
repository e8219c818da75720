package resolvers

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/bcs-io/bcs/configcenter"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/instance"
	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/variable"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/orchestrators"
)

var templateNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

func validateTemplateName(name string) error {
	if !templateNamePattern.MatchString(name) {
		return apierr.Invalid("name", "template names are 1 to 64 letters, digits, spaces, dots, dashes or underscores")
	}
	return nil
}

// templateError turns the engine's positioned errors into BAD_USER_INPUT
// naming the line and column in the template.
func templateError(field string, err error) error {
	var ce *configcenter.Error
	if errors.As(err, &ce) {
		e := apierr.Invalid(field, "%s", err.Error())
		e.Extra = map[string]any{"line": ce.Line, "column": ce.Column}
		return e
	}
	return err
}

// rendering is a template rendered for one target.
type rendering struct {
	*configcenter.Rendered
	// values are every variable resolved for the target, secret ones
	// opened; secrets are the secret ones among them.
	values, secrets map[string]string
	// used is what an Instance keeps of the variables the template uses:
	// secret ones as redact.Mark.
	used map[string]string
}

// render resolves the project's variables for a target and renders
// content. Its errors never hold a secret variable's value.
func (r *Resolver) render(ctx context.Context, t *ent.Template, content string, c *ent.Cluster, namespace string) (*rendering, error) {
	p, err := r.Client.Project.Get(ctx, t.ProjectID)
	if err != nil {
		return nil, notFoundAs(err, "project", t.ProjectID)
	}
	rows, err := r.Client.Variable.Query().Where(variable.ProjectID(t.ProjectID)).All(ctx)
	if err != nil {
		return nil, err
	}
	vars := make([]configcenter.Variable, len(rows))
	secret := map[string]bool{}
	for i, v := range rows {
		vars[i] = configcenter.Variable{Key: v.Key, Value: v.Value, Scope: configcenter.Scope(v.Scope), ClusterID: v.ClusterID, Namespace: v.Namespace}
		if v.Secret {
			if vars[i].Value, err = r.variableValue(v); err != nil {
				return nil, err
			}
			secret[v.Key] = true
		}
	}
	values := configcenter.Resolve(vars, configcenter.Target{ProjectCode: p.Code, ProjectID: string(p.ID), ClusterID: string(c.ID), Namespace: namespace})
	rd := &rendering{values: values, secrets: map[string]string{}}
	for k, v := range values {
		if secret[k] {
			rd.secrets[k] = v
		}
	}
	if rd.Rendered, err = configcenter.Render(configcenter.TemplateKind(t.Kind), content, values); err != nil {
		return nil, templateError("content", scrubSecrets(err, rd.secrets))
	}
	rd.used = make(map[string]string, len(rd.Used))
	for _, k := range rd.Used {
		rd.used[k] = values[k]
		if _, ok := rd.secrets[k]; ok {
			rd.used[k] = redact.Mark
		}
	}
	return rd, nil
}

// objectStatuses lists rendered objects with one status for all. Every
// member reads an instance, so a name built from a secret variable shows
// the mark.
func objectStatuses(objs []configcenter.Object, namespace, status, message string, secrets map[string]string) map[string]any {
	items := make([]any, len(objs))
	for i, o := range objs {
		ns := o.Namespace
		if ns == "" {
			ns = namespace
		}
		items[i] = map[string]any{"kind": o.Kind, "namespace": scrubText(ns, secrets), "name": scrubText(o.Name, secrets), "status": status, "message": message}
	}
	return map[string]any{"items": items}
}

// applyInstance renders the instance's version for its target and applies
// it as an Operation whose outcome lands on the instance; force takes over
// fields other field managers own.
func (r *Resolver) applyInstance(ctx context.Context, inst *ent.Instance, v *ent.TemplateVersion, t *ent.Template, c *ent.Cluster, force bool) (*ent.Instance, error) {
	out, err := r.render(ctx, t, v.Content, c, inst.Namespace)
	if err != nil {
		return nil, err
	}
	inst, err = inst.Update().SetVersionID(v.ID).SetStatus(instance.StatusAPPLYING).
		SetObjects(objectStatuses(out.Objects, inst.Namespace, "PENDING", "", out.secrets)).SetVariables(out.used).Save(ctx)
	if err != nil {
		return nil, err
	}
	id, ns, objs := inst.ID, inst.Namespace, out.Objects
	_, err = r.Ops.Start(ctx, operations.Job{
		Cluster: c, Action: "INSTANTIATE", Kind: "Instance", Namespace: ns, Name: string(id),
		Request: map[string]any{"version": v.Label, "template": t.Name, "force": force},
		Do: func(ctx context.Context, o orchestrators.Orchestrator) (map[string]any, error) {
			// What the cluster answers may quote the rendered objects,
			// and every member reads operations.
			res, err := o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte(out.Content), Namespace: ns, Force: force})
			hideSecretChanges(res, secretFieldsOf(objs, out.secrets))
			return scrubResult(appliedResult(res), out.secrets), scrubSecrets(err, out.secrets)
		},
		OnDone: func(ctx context.Context, op *ent.Operation) {
			status, objStatus, msg := instance.StatusREADY, "APPLIED", ""
			if op.Status == operation.StatusFAILED {
				status, objStatus, msg = instance.StatusFAILED, "FAILED", op.Message
			}
			_ = r.Client.Instance.UpdateOneID(id).SetStatus(status).SetObjects(objectStatuses(objs, ns, objStatus, msg, out.secrets)).Exec(ctx)
		},
	})
	return inst, err
}

// instanceParts loads an instance with its version, template and cluster,
// checking the caller may instantiate in that project.
func (r *Resolver) instanceParts(ctx context.Context, id gid.ID) (*ent.Instance, *ent.TemplateVersion, *ent.Template, *ent.Cluster, error) {
	inst, err := r.Client.Instance.Get(ctx, id)
	if err != nil {
		return nil, nil, nil, nil, notFoundAs(err, "instance", id)
	}
	if err := require(ctx, auth.TemplateInstantiate, inst.ProjectID); err != nil {
		return nil, nil, nil, nil, err
	}
	v, err := r.Client.TemplateVersion.Get(ctx, inst.VersionID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	t, err := v.QueryTemplate().Only(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	c, err := r.usableCluster(ctx, inst.ClusterID, auth.ClusterUse)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return inst, v, t, c, nil
}

func trimmedOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return strings.TrimSpace(*p)
}

// dryRun asks the target cluster what applying the rendered objects would
// change, against what runs there now.
func (r *Resolver) dryRun(ctx context.Context, t *ent.Template, c *ent.Cluster, content, namespace string) ([]*model.PreviewDiff, error) {
	if err := require(ctx, auth.ClusterView, c.ProjectID); err != nil {
		return nil, err
	}
	if c.ProjectID != t.ProjectID {
		return nil, apierr.Invalid("clusterID", "the cluster belongs to another project")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	o, err := r.Clusters.Open(ctx, c)
	if err != nil {
		return nil, userError("clusterID", err)
	}
	res, err := o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte(content), Namespace: namespace, DryRun: true})
	if err != nil {
		return nil, userError("content", operations.Public(err, c))
	}
	out := make([]*model.PreviewDiff, len(res.Objects))
	for i, obj := range res.Objects {
		d := &model.PreviewDiff{Kind: obj.Ref.Kind, Namespace: obj.Ref.Namespace, Name: obj.Ref.Name, Action: obj.Action, Changes: []*model.PreviewFieldChange{}}
		for _, ch := range obj.Changes {
			d.Changes = append(d.Changes, &model.PreviewFieldChange{Path: ch.Path, Old: ch.Old, New: ch.New})
		}
		out[i] = d
	}
	return out, nil
}
