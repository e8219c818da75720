package mesos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// manifestApp is one application in a manifest: the spec's fields, with
// an optional kind (Application) and apiVersion so that manifests can be
// told apart from Kubernetes ones.
type manifestApp struct {
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
	spec.App
}

// decodeApps reads applications from multi-document YAML or JSON; a
// {"kind":"List","items":[…]} document contributes its items. Unknown
// fields are errors, so a misspelt field is not silently dropped.
func decodeApps(data []byte, namespace string) ([]spec.App, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var apps []spec.App
	for doc := 1; ; doc++ {
		where := fmt.Sprintf("document %d", doc)
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, orchestrators.BadInput(where, "invalid YAML or JSON: %v", err)
		}
		if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
			continue
		}
		var list struct {
			Kind  string            `json:"kind"`
			Items []json.RawMessage `json:"items"`
		}
		items := []json.RawMessage{raw}
		if json.Unmarshal(raw, &list) == nil && list.Kind == "List" {
			items = list.Items
		}
		for i, item := range items {
			what := where
			if len(items) > 1 || list.Kind == "List" {
				what = fmt.Sprintf("%s item %d", where, i+1)
			}
			var m manifestApp
			d := json.NewDecoder(bytes.NewReader(item))
			d.DisallowUnknownFields()
			if err := d.Decode(&m); err != nil {
				return nil, orchestrators.BadInput(what, "not an application: %v", err)
			}
			if m.Kind != "" && m.Kind != KindApplication {
				return nil, &orchestrators.Error{Kind: orchestrators.ErrUnsupported, Object: what,
					Message: fmt.Sprintf("Mesos clusters run %ss, not %ss", KindApplication, m.Kind)}
			}
			if m.App.Namespace == "" {
				m.App.Namespace = namespace
			}
			apps = append(apps, m.App)
		}
	}
	if len(apps) == 0 {
		return nil, orchestrators.BadInput("manifest", "no applications")
	}
	return apps, nil
}

// Apply creates or updates the applications of a manifest. An update
// stores a new version and rolls it out; a spec that differs only in
// instances scales. With DryRun nothing changes and the result lists what
// would.
func (o *Orchestrator) Apply(ctx context.Context, req orchestrators.ApplyRequest) (*orchestrators.ApplyResult, error) {
	apps, err := decodeApps(req.Manifest, req.Namespace)
	if err != nil {
		return nil, err
	}
	// Validate everything before changing anything.
	for i := range apps {
		apps[i] = apps[i].WithDefaults()
		if err := apps[i].Validate(); err != nil {
			return nil, classify(object(apps[i].Ref()), err)
		}
	}
	svc, err := o.service(ctx)
	if err != nil {
		return nil, err
	}
	res := &orchestrators.ApplyResult{DryRun: req.DryRun}
	for _, a := range apps {
		ref := a.Ref()
		or := orchestrators.ObjectResult{Ref: orchestrators.ObjectRef{Kind: KindApplication, Namespace: ref.Namespace, Name: ref.Name}}
		cur, err := svc.GetApp(ctx, ref)
		switch {
		case errors.Is(err, scheduler.ErrNotFound):
			or.Action = orchestrators.ActionCreated
		case err != nil:
			return nil, classify(object(ref), err)
		default:
			or.Changes = diff(cur.Spec, a)
			or.Action = orchestrators.ActionConfigured
			if len(or.Changes) == 0 {
				or.Action = orchestrators.ActionUnchanged
			}
		}
		if !req.DryRun && or.Action != orchestrators.ActionUnchanged {
			if or.Action == orchestrators.ActionCreated {
				_, err = svc.CreateApp(ctx, a)
			} else {
				_, err = svc.UpdateApp(ctx, a)
			}
			if err != nil {
				return nil, classify(object(ref), err)
			}
		}
		res.Objects = append(res.Objects, or)
	}
	return res, nil
}

// diff lists changed fields of two specs as JSON paths (objects are
// descended into; lists compare whole).
func diff(old, new spec.App) []orchestrators.FieldChange {
	flat := func(a spec.App) map[string]string {
		b, _ := json.Marshal(a)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		out := map[string]string{}
		var walk func(prefix string, v any)
		walk = func(prefix string, v any) {
			if obj, ok := v.(map[string]any); ok && len(obj) > 0 {
				for k, x := range obj {
					p := k
					if prefix != "" {
						p = prefix + "." + k
					}
					walk(p, x)
				}
				return
			}
			j, _ := json.Marshal(v)
			out[prefix] = string(j)
		}
		walk("", m)
		return out
	}
	a, b := flat(old), flat(new)
	var out []orchestrators.FieldChange
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(a, b))) {
		if a[k] != b[k] {
			out = append(out, orchestrators.FieldChange{Path: k, Old: a[k], New: b[k]})
		}
	}
	return out
}

func mergeKeys(a, b map[string]string) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}
