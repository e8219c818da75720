package k8s

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/bcs-io/bcs/orchestrators"
)

// Names of the objects BCS owns in each namespace it manages.
const (
	quotaName  = "bcs-quota"
	limitsName = "bcs-limits"
)

// ApplyNamespace server-side applies the namespace, its ResourceQuota and
// its LimitRange. Labels BCS set before and no longer lists are removed;
// labels other managers set stay.
func (o *Orchestrator) ApplyNamespace(ctx context.Context, spec orchestrators.NamespaceSpec) error {
	obj := "Namespace " + spec.Name
	if errs := validation.IsDNS1123Label(spec.Name); len(errs) > 0 {
		return orchestrators.BadInput(obj, "invalid name: %s", strings.Join(errs, "; "))
	}
	hard, err := quantities(obj, "quota", spec.Quota)
	if err != nil {
		return err
	}
	var limits *corev1ac.LimitRangeItemApplyConfiguration
	if l := spec.Limits; l != nil {
		limits = corev1ac.LimitRangeItem().WithType(corev1.LimitTypeContainer)
		for _, f := range []struct {
			name string
			in   map[string]string
			set  func(corev1.ResourceList) *corev1ac.LimitRangeItemApplyConfiguration
		}{
			{"default", l.Default, limits.WithDefault},
			{"defaultRequest", l.DefaultRequest, limits.WithDefaultRequest},
			{"max", l.Max, limits.WithMax},
			{"min", l.Min, limits.WithMin},
		} {
			q, err := quantities(obj, "limits."+f.name, f.in)
			if err != nil {
				return err
			}
			if len(q) > 0 {
				f.set(q)
			}
		}
	}

	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: true}
	if _, err := o.cs.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(spec.Name).WithLabels(spec.Labels), opts); err != nil {
		return classify(obj, err)
	}
	if len(hard) > 0 {
		q := corev1ac.ResourceQuota(quotaName, spec.Name).WithSpec(corev1ac.ResourceQuotaSpec().WithHard(hard))
		if _, err := o.cs.CoreV1().ResourceQuotas(spec.Name).Apply(ctx, q, opts); err != nil {
			return classify(obj+" quota", err)
		}
	} else if err := o.cs.CoreV1().ResourceQuotas(spec.Name).Delete(ctx, quotaName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return classify(obj+" quota", err)
	}
	if limits != nil {
		lr := corev1ac.LimitRange(limitsName, spec.Name).WithSpec(corev1ac.LimitRangeSpec().WithLimits(limits))
		if _, err := o.cs.CoreV1().LimitRanges(spec.Name).Apply(ctx, lr, opts); err != nil {
			return classify(obj+" limits", err)
		}
	} else if err := o.cs.CoreV1().LimitRanges(spec.Name).Delete(ctx, limitsName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return classify(obj+" limits", err)
	}
	return nil
}

// quantities parses {"cpu": "2", …}; a bad quantity is the user's mistake.
func quantities(obj, field string, in map[string]string) (corev1.ResourceList, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := corev1.ResourceList{}
	for k, v := range in {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, orchestrators.BadInput(obj, "%s %s: invalid quantity %q: %v", field, k, v, err)
		}
		out[corev1.ResourceName(k)] = q
	}
	return out, nil
}

// DeleteNamespace deletes a namespace; the cluster then deletes its content.
func (o *Orchestrator) DeleteNamespace(ctx context.Context, name string) error {
	if name == "" {
		return orchestrators.BadInput("Namespace", "a name is required")
	}
	if err := o.cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		return classify(fmt.Sprintf("Namespace %s", name), err)
	}
	return nil
}
