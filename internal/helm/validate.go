package helm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"helm.sh/helm/v4/pkg/kube"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/resource"
)

// Validate sends every object of a rendered manifest to the API server as
// a server-side dry-run apply (as field manager "helm", forced, as the
// install would be): validation, defaulting and admission run, nothing is
// stored. Helm's own dry run renders but sends nothing.
func (c *Cluster) Validate(_ context.Context, namespace, manifest string) error {
	if strings.TrimSpace(manifest) == "" {
		return nil
	}
	cfg, err := c.config(namespace)
	if err != nil {
		return err
	}
	resources, err := cfg.KubeClient.Build(strings.NewReader(manifest), false)
	if err != nil {
		return classify("", &badInput{msg: err.Error()})
	}
	force := true
	return resources.Visit(func(info *resource.Info, err error) error {
		if err != nil {
			return classify("", err)
		}
		data, err := json.Marshal(info.Object)
		if err != nil {
			return classify("", err)
		}
		object := fmt.Sprintf("%s %s", info.Mapping.GroupVersionKind.Kind, info.Name)
		if info.Namespaced() {
			object = fmt.Sprintf("%s %s/%s", info.Mapping.GroupVersionKind.Kind, info.Namespace, info.Name)
		}
		_, err = resource.NewHelper(info.Client, info.Mapping).DryRun(true).WithFieldManager(kube.ManagedFieldsManager).
			WithFieldValidation(string(kube.FieldValidationDirectiveStrict)).
			Patch(info.Namespace, info.Name, types.ApplyPatchType, data, &metav1.PatchOptions{Force: &force})
		return classify(object, err)
	})
}
