package objdiff

import (
	"reflect"
	"testing"
)

func TestFieldsPathsAndServerFields(t *testing.T) {
	live := map[string]any{
		"kind":     "Deployment",
		"metadata": map[string]any{"name": "web", "uid": "u", "resourceVersion": "9", "managedFields": []any{}, "labels": map[string]any{"app.kubernetes.io/name": "web"}},
		"spec":     map[string]any{"replicas": float64(2), "containers": []any{map[string]any{"image": "a"}}},
		"status":   map[string]any{"ready": float64(2)},
	}
	applied := map[string]any{
		"kind":     "Deployment",
		"metadata": map[string]any{"name": "web", "uid": "u", "resourceVersion": "10", "labels": map[string]any{"app.kubernetes.io/name": "web2"}},
		"spec":     map[string]any{"replicas": int64(2), "containers": []any{map[string]any{"image": "b"}, map[string]any{"image": "c"}}},
		"status":   map[string]any{"ready": float64(0)},
	}
	want := []FieldChange{
		{Path: `metadata.labels["app.kubernetes.io/name"]`, Change: Changed, Old: "web", New: "web2"},
		{Path: "spec.containers[0].image", Change: Changed, Old: "a", New: "b"},
		{Path: "spec.containers[1]", Change: Added, New: map[string]any{"image": "c"}},
	}
	if got := Fields("Deployment", live, applied); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields\n%#v\nwant\n%#v", got, want)
	}
}

func TestSecretValuesAreRedacted(t *testing.T) {
	old := map[string]any{"data": map[string]any{"password": "b2xk"}, "type": "Opaque"}
	new := map[string]any{"data": map[string]any{"password": "bmV3"}, "stringData": map[string]any{"t": "x"}, "type": "Opaque"}
	want := []FieldChange{
		{Path: "data.password", Change: Changed, Old: Redacted, New: Redacted},
		{Path: "stringData", Change: Added, New: Redacted},
	}
	if got := Fields("Secret", old, new); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %#v", got)
	}
	if got := Fields("ConfigMap", old, new); got[0].New != "bmV3" {
		t.Fatalf("a ConfigMap's data redacted: %#v", got)
	}
}
