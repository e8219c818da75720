package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bcs-io/bcs/configcenter"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/template"
	"github.com/bcs-io/bcs/ent/variable"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/objdiff"
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
// objs are the objects shown (nil when the content is already hidden).
func redactPreview(ctx context.Context, projectID gid.ID, prev *model.TemplatePreview, objs []configcenter.Object, fields secretFields, secrets map[string]string) error {
	if mayEditTemplates(ctx, projectID) {
		return nil
	}
	for _, d := range prev.Diff {
		for _, c := range d.Changes {
			switch {
			case d.Kind == "Secret" && redact.SecretPath(c.Path), fields.hide(d.Kind, d.Name, c.Path):
				c.Old, c.New = redact.Mark, redact.Mark
			default:
				// The dry run sent the real values; what it reports of
				// other objects may repeat a secret variable's.
				c.Old, c.New = scrubText(c.Old, secrets), scrubText(c.New, secrets)
			}
		}
		d.Namespace, d.Name = scrubText(d.Namespace, secrets), scrubText(d.Name, secrets)
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
	return nil
}

// hiddenRendering replaces a preview's text when the redaction mark
// cannot stand where a secret variable does (where YAML needs a number,
// say): the objects are listed, their text is not.
const hiddenRendering = "# " + redact.Mark + ": this rendering uses secret variables where their mark cannot stand; members who may edit templates see it\n"

// shownRendering is what the caller may see of a rendering: all of it for
// a caller who may edit the templates; for others, the template rendered
// again with redact.Mark for each secret variable. hidden tells that even
// that failed, and only the objects' names are shown.
func (r *Resolver) shownRendering(ctx context.Context, t *ent.Template, content string, out *rendering) (shown *configcenter.Rendered, hidden bool) {
	if mayEditTemplates(ctx, t.ProjectID) || len(out.secrets) == 0 {
		return out.Rendered, false
	}
	masked := maps.Clone(out.values)
	for k := range out.secrets {
		masked[k] = redact.Mark
	}
	if shown, err := configcenter.Render(configcenter.TemplateKind(t.Kind), content, masked); err == nil {
		return shown, false
	}
	objs := make([]configcenter.Object, len(out.Objects))
	for i, o := range out.Objects {
		objs[i] = configcenter.Object{APIVersion: o.APIVersion, Kind: o.Kind, Line: o.Line,
			Namespace: scrubText(o.Namespace, out.secrets), Name: scrubText(o.Name, out.secrets)}
	}
	return &configcenter.Rendered{Content: hiddenRendering, Objects: objs, Used: out.Used}, true
}

// mayEditTemplates tells whether the caller may edit the project's
// templates: only such a caller reads Secret payloads in template text,
// since they could write them anyway.
func mayEditTemplates(ctx context.Context, projectID gid.ID) bool {
	return auth.FromContext(ctx).Can(auth.TemplateUpdate, projectID)
}

// templateText is a template's text as the caller may read it (see
// configcenter.RedactSecrets).
func templateText(ctx context.Context, projectID gid.ID, kind template.Kind, text string) string {
	if mayEditTemplates(ctx, projectID) {
		return text
	}
	return configcenter.RedactSecrets(configcenter.TemplateKind(kind), text)
}

// draftText is a template's draft as the caller may read it. entgql loads
// only the columns a query names, so the project and kind that decide
// the redaction are read when the query did not name them.
func (r *Resolver) draftText(ctx context.Context, t *ent.Template) (string, error) {
	if t.ProjectID == "" || t.Kind == "" {
		var err error
		if t, err = r.Client.Template.Query().Where(template.ID(t.ID)).
			Select(template.FieldProjectID, template.FieldKind, template.FieldDraft).Only(ctx); err != nil {
			return "", err
		}
	}
	return templateText(ctx, t.ProjectID, t.Kind, t.Draft), nil
}

// versionText is a version's content and digest as the caller may read
// them: a redacted text comes with the digest of what is shown, since the
// stored one would let a reader test guesses at the hidden values.
func (r *Resolver) versionText(ctx context.Context, v *ent.TemplateVersion) (content, digest string, err error) {
	if v.Content == "" || v.Digest == "" { // not loaded: see draftText
		if v, err = r.Client.TemplateVersion.Get(ctx, v.ID); err != nil {
			return "", "", err
		}
	}
	t, err := v.QueryTemplate().Select(template.FieldProjectID, template.FieldKind).Only(ctx)
	if err != nil {
		return "", "", err
	}
	content = templateText(ctx, t.ProjectID, t.Kind, v.Content)
	if content == v.Content {
		return content, v.Digest, nil
	}
	return content, configcenter.Digest(content), nil
}

// shownVariableValue answers Variable.value: redact.Mark for a secret one. A
// secret variable's value column is empty, so an empty value is checked
// against the secret column when the query did not load it.
func (r *Resolver) shownVariableValue(ctx context.Context, v *ent.Variable) (string, error) {
	if !v.Secret && v.Value == "" {
		secret, err := r.Client.Variable.Query().Where(variable.ID(v.ID)).Select(variable.FieldSecret).Bool(ctx)
		if err != nil {
			return "", err
		}
		v = &ent.Variable{Secret: secret}
	}
	if v.Secret {
		return redact.Mark, nil // write-only
	}
	return v.Value, nil
}

// sealVariable binds a secret variable's value to its ID (AES-GCM
// additional data), so a sealed value copied onto another row does not open.
func (r *Resolver) sealVariable(id gid.ID, value string) ([]byte, error) {
	return r.Box.Seal(string(id), []byte(value))
}

// variableValue is the value a render uses: a secret one opened.
func (r *Resolver) variableValue(v *ent.Variable) (string, error) {
	if !v.Secret {
		return v.Value, nil
	}
	pt, err := r.Box.Open(string(v.ID), v.SealedValue)
	if err != nil {
		return "", fmt.Errorf("open secret variable %s: %w", v.ID, err)
	}
	return string(pt), nil
}

// setVariableValue writes value onto a variable being created or
// updated: sealed, with the plain column emptied, for a secret one.
func (r *Resolver) setVariableValue(m *ent.VariableMutation, id gid.ID, value string, secret bool) error {
	if !secret {
		m.SetValue(value)
		m.ClearSealedValue()
		return nil
	}
	sealed, err := r.sealVariable(id, value)
	if err != nil {
		return err
	}
	m.SetValue("")
	m.SetSealedValue(sealed)
	return nil
}

// scrubText replaces the secret values in s with redact.Mark, as written
// and as Go and JSON quote them inside a message, longest first so that a
// value containing another is hidden whole.
func scrubText(s string, secrets map[string]string) string {
	var forms []string
	for _, v := range secrets {
		if v == "" {
			continue
		}
		q := strconv.Quote(v)
		j, _ := json.Marshal(v)
		forms = append(forms, v, q[1:len(q)-1], strings.Trim(string(j), `"`))
	}
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, redact.Mark)
	}
	return s
}

// scrubSecrets returns err without the secret variables' values. A
// template problem about a secret variable's value (which may quote a
// character of it) is replaced by one that says only where it stands.
// The error keeps its type, so its code and what the operation runner
// makes of it stay the same.
func scrubSecrets(err error, secrets map[string]string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	if ps := configcenter.Problems(err); ps != nil {
		out := make(configcenter.Errors, len(ps))
		for i, p := range ps {
			c := *p
			c.Field, c.Message = scrubText(c.Field, secrets), scrubText(c.Message, secrets)
			for k := range secrets {
				if strings.HasPrefix(c.Message, fmt.Sprintf("the value of %q ", k)) {
					c.Message = fmt.Sprintf(`the value of the secret variable %q cannot stand here unquoted; write "{{ %s }}" (in double quotes) to insert it as an escaped string`, k, k)
				}
			}
			out[i] = &c
		}
		if len(out) == 1 {
			return out[0]
		}
		return out
	}
	var ae *apierr.Error
	if errors.As(err, &ae) {
		c := *ae
		c.Message, c.Err = scrubText(c.Message, secrets), nil
		return &c
	}
	var oe *orchestrators.Error
	if errors.As(err, &oe) {
		c := *oe
		c.Object, c.Message = scrubText(c.Object, secrets), scrubText(oe.Error(), secrets)
		c.Reason, c.Err = "", nil
		return &c
	}
	return errors.New(scrubText(err.Error(), secrets))
}

// scrubResult removes secret variables' values from what an operation
// keeps of an apply.
func scrubResult(res map[string]any, secrets map[string]string) map[string]any {
	if res == nil || len(secrets) == 0 {
		return res
	}
	var scrub func(v any) any
	scrub = func(v any) any {
		switch v := v.(type) {
		case string:
			return scrubText(v, secrets)
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, c := range v {
				out[scrubText(k, secrets)] = scrub(c)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, c := range v {
				out[i] = scrub(c)
			}
			return out
		}
		return v
	}
	out, _ := scrub(res).(map[string]any)
	return out
}

// secretFields are the fields of rendered objects whose value holds a
// secret variable's, by object (kind/name) and field path as the
// orchestrators' diffs write it. A change to such a field, or around it,
// shows neither side: the old side is what the cluster holds, which may
// be the variable's former value.
type secretFields map[string][]string

func secretFieldsOf(objs []configcenter.Object, secrets map[string]string) secretFields {
	out := secretFields{}
	if len(secrets) == 0 {
		return out
	}
	holds := func(s string) bool {
		for _, v := range secrets {
			if v != "" && strings.Contains(s, v) {
				return true
			}
		}
		return false
	}
	for _, o := range objs {
		key := o.Kind + "/" + o.Name
		var walk func(path string, v any, depth int)
		walk = func(path string, v any, depth int) {
			switch v := v.(type) {
			case map[string]any:
				for k, c := range v {
					p := objdiff.FieldPath(path, k)
					if holds(k) {
						out[key] = append(out[key], p)
					}
					walk(p, c, depth+1)
				}
			case []any:
				for i, c := range v {
					walk(fmt.Sprintf("%s[%d]", path, i), c, depth+1)
				}
			case nil:
			default:
				if holds(fmt.Sprint(v)) {
					out[key] = append(out[key], path)
				}
			}
		}
		walk("", o.Doc, 0)
	}
	return out
}

// hide reports whether a change at path of the object kind/name touches
// a field that holds a secret variable's value.
func (s secretFields) hide(kind, name, path string) bool {
	under := func(p, q string) bool { // p is q or lies inside it
		return p == q || strings.HasPrefix(p, q+".") || strings.HasPrefix(p, q+"[")
	}
	for _, p := range s[kind+"/"+name] {
		if under(p, path) || under(path, p) {
			return true
		}
	}
	return false
}

// hideSecretChanges applies hide to an apply's result, as kept on its
// Operation.
func hideSecretChanges(res *orchestrators.ApplyResult, fields secretFields) {
	if res == nil || len(fields) == 0 {
		return
	}
	for i := range res.Objects {
		ref := res.Objects[i].Ref
		for j, c := range res.Objects[i].Changes {
			if fields.hide(ref.Kind, ref.Name, c.Path) {
				res.Objects[i].Changes[j].Old, res.Objects[i].Changes[j].New = redact.Mark, redact.Mark
			}
		}
	}
}
