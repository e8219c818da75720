package k8s

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/bcs-io/bcs/orchestrators"
)

// supported are the kinds BCS applies and deletes, by kind name, so that a
// WorkloadRef's bare kind finds its group.
var supported = map[string]string{
	"Deployment":              "apps",
	"StatefulSet":             "apps",
	"DaemonSet":               "apps",
	"Job":                     "batch",
	"CronJob":                 "batch",
	"Service":                 "",
	"Ingress":                 "networking.k8s.io",
	"ConfigMap":               "",
	"Secret":                  "",
	"HorizontalPodAutoscaler": "autoscaling",
}

func supportedKinds() string {
	return strings.Join(slices.Sorted(maps.Keys(supported)), ", ")
}

// mapping finds the resource for a kind. apiVersion may be empty: the
// server's preferred version is used. Unknown or unsupported kinds are
// ErrBadInput.
func (o *Orchestrator) mapping(object, apiVersion, kind string) (*meta.RESTMapping, error) {
	group, ok := supported[kind]
	if !ok {
		return nil, orchestrators.BadInput(object, "unknown or unsupported kind %q (supported: %s)", kind, supportedKinds())
	}
	var versions []string
	if apiVersion != "" {
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil {
			return nil, orchestrators.BadInput(object, "invalid apiVersion %q: %v", apiVersion, err)
		}
		if gv.Group != group {
			return nil, orchestrators.BadInput(object, "unknown kind %s in %s", kind, apiVersion)
		}
		versions = []string{gv.Version}
	}
	gk := schema.GroupKind{Group: group, Kind: kind}
	m, err := o.mapper.RESTMapping(gk, versions...)
	if meta.IsNoMatchError(err) {
		// Discovery may predate the API; look once more before refusing.
		o.mapper.Reset()
		m, err = o.mapper.RESTMapping(gk, versions...)
	}
	if meta.IsNoMatchError(err) {
		return nil, orchestrators.BadInput(object, "the cluster does not serve %s %s", apiVersion, kind)
	}
	if err != nil {
		return nil, classify(object, fmt.Errorf("discover %s: %w", kind, err))
	}
	return m, nil
}

// resource returns the client for a mapping, in namespace ns when the
// resource is namespaced (ns is then required).
func (o *Orchestrator) resource(object string, m *meta.RESTMapping, ns string) (dynamic.ResourceInterface, error) {
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		return o.dyn.Resource(m.Resource), nil
	}
	if ns == "" {
		return nil, orchestrators.BadInput(object, "a namespace is required for %s", m.GroupVersionKind.Kind)
	}
	return o.dyn.Resource(m.Resource).Namespace(ns), nil
}

// workload resolves a WorkloadRef restricted to kinds.
func (o *Orchestrator) workload(ref orchestrators.WorkloadRef, op string, kinds ...string) (dynamic.ResourceInterface, error) {
	obj := ref.String()
	if ref.Name == "" || ref.Namespace == "" {
		return nil, orchestrators.BadInput(obj, "namespace and name are required")
	}
	if !slices.Contains(kinds, ref.Kind) {
		return nil, orchestrators.BadInput(obj, "cannot %s a %q (only %s)", op, ref.Kind, strings.Join(kinds, ", "))
	}
	m, err := o.mapping(obj, "", ref.Kind)
	if err != nil {
		return nil, err
	}
	return o.resource(obj, m, ref.Namespace)
}
