package helm

import (
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

func TestShownManifestHidesSecretPayloads(t *testing.T) {
	m := "---\n# Source: shop/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n" +
		"---\n# Source: shop/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  MESSAGE: hello\n"
	if got := ShownManifest(m, true); got != m {
		t.Fatalf("full view changed the manifest: %s", got)
	}
	got := ShownManifest(m, false)
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "password: '[REDACTED]'") || !strings.Contains(got, "MESSAGE: hello") {
		t.Fatalf("redacted view: %s", got)
	}
}

func TestClustersShareOneClusterUntilCredentialsChange(t *testing.T) {
	var cs Clusters
	cfg := &rest.Config{Host: "https://10.0.0.1:6443", BearerToken: "a"}
	c1, err := cs.For("cls_1", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := cs.For("cls_1", &rest.Config{Host: cfg.Host, BearerToken: "a"}); c2 != c1 {
		t.Fatal("same configuration, new Cluster")
	}
	if c3, _ := cs.For("cls_1", &rest.Config{Host: cfg.Host, BearerToken: "rotated"}); c3 == c1 {
		t.Fatal("rotated token, same Cluster")
	}
}
