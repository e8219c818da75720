package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/bcs-io/bcs/orchestrators"
)

// decodeManifest splits multi-document YAML or a JSON stream into objects,
// expanding Lists. Anything malformed is ErrBadInput naming the document.
func decodeManifest(data []byte) ([]*unstructured.Unstructured, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		where := fmt.Sprintf("document %d", doc)
		var raw runtime.RawExtension
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, orchestrators.BadInput(where, "invalid YAML or JSON: %v", err)
		}
		if len(bytes.TrimSpace(raw.Raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw.Raw), []byte("null")) {
			continue // empty document, e.g. a trailing ---
		}
		obj, _, err := unstructured.UnstructuredJSONScheme.Decode(raw.Raw, nil, nil)
		if err != nil {
			return nil, orchestrators.BadInput(where, "not a Kubernetes object (apiVersion and kind are required): %v", err)
		}
		switch o := obj.(type) {
		case *unstructured.Unstructured:
			objs = append(objs, o)
		case *unstructured.UnstructuredList:
			for i := range o.Items {
				objs = append(objs, &o.Items[i])
			}
		default:
			return nil, orchestrators.BadInput(where, "unexpected object %T", obj)
		}
	}
	if len(objs) == 0 {
		return nil, orchestrators.BadInput("manifest", "no objects")
	}
	for i, o := range objs {
		if o.GetName() == "" {
			return nil, orchestrators.BadInput(fmt.Sprintf("object %d (%s)", i+1, o.GetKind()), "metadata.name is required")
		}
		prepare(o)
	}
	return objs, nil
}

// prepare drops what a pasted `kubectl get -o yaml` carries but an apply
// must not send: server-set metadata (a stale resourceVersion would make
// the apply fail) and status.
func prepare(o *unstructured.Unstructured) {
	for _, f := range []string{"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"} {
		unstructured.RemoveNestedField(o.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(o.Object, "status")
}
