package resolvers

import (
	"context"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bcs-io/bcs/configcenter"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/orchestrators"
)

// appliedResult is what an apply's Operation keeps of its outcome. Every
// member reads operations, so changes in a Secret's payload keep their
// paths but not their values, whatever the orchestrator reported.
func appliedResult(res *orchestrators.ApplyResult) map[string]any {
	if res != nil {
		for i := range res.Objects {
			if res.Objects[i].Ref.Kind != "Secret" {
				continue
			}
			for j, c := range res.Objects[i].Changes {
				if redact.SecretPath(c.Path) {
					res.Objects[i].Changes[j].Old, res.Objects[i].Changes[j].New = redact.Mark, redact.Mark
				}
			}
		}
	}
	return toMap(res)
}

// redactPreview hides Secret payloads from a caller who may not edit the
// project's templates: the rendered content is rebuilt from the objects
// with each Secret's data and stringData values replaced (keys stay), and
// dry-run changes under them show no values. Rendering substitutes
// variables, so a preview is where their values would meet the Secret.
func redactPreview(ctx context.Context, projectID gid.ID, prev *model.TemplatePreview, objs []configcenter.Object) error {
	if auth.FromContext(ctx).Can(auth.TemplateUpdate, projectID) {
		return nil
	}
	secret := false
	for _, o := range objs {
		secret = secret || o.Kind == "Secret"
	}
	if !secret {
		return nil
	}
	var b strings.Builder
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		out, err := yaml.Marshal(redact.Object(o.Kind, o.Doc))
		if err != nil {
			return err
		}
		b.Write(out)
	}
	prev.Content = b.String()
	for _, d := range prev.Diff {
		if d.Kind != "Secret" {
			continue
		}
		for _, c := range d.Changes {
			if redact.SecretPath(c.Path) {
				c.Old, c.New = redact.Mark, redact.Mark
			}
		}
	}
	return nil
}
