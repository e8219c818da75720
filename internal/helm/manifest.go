package helm

import (
	"sort"
	"strings"

	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/yaml"

	"github.com/bcs-io/bcs/internal/redact"
)

// ShownManifest is a rendered manifest as someone who may not change the
// release reads it: Secrets keep their keys, not their values.
func ShownManifest(manifest string, full bool) string {
	if full || !strings.Contains(manifest, "Secret") {
		return manifest
	}
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var b strings.Builder
	for _, k := range keys {
		doc := docs[k]
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err == nil && obj["kind"] == "Secret" {
			if out, err := yaml.Marshal(redact.Object("Secret", obj)); err == nil {
				doc = string(out)
			} else {
				doc = "# a Secret, not shown\n"
			}
		}
		b.WriteString("---\n")
		b.WriteString(strings.TrimSpace(doc))
		b.WriteString("\n")
	}
	return b.String()
}

// Objects summarises a rendered manifest for an Operation: kinds, names
// and a keyed digest, never the text (it may hold Secrets).
func Objects(d redact.Digester, manifest string) map[string]any { return d.Manifest(manifest) }
