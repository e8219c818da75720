package resolvers

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/configcenter"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/orchestrators"
)

var testSecrets = map[string]string{"pw": `s3"cr3t`, "short": "s3"}

func TestScrubSecretsKeepsTheErrorType(t *testing.T) {
	for name, err := range map[string]error{
		"template": configcenter.Errors{
			{Line: 3, Column: 7, Message: `the value of "pw" begins with '#', which YAML reads as syntax`},
			{Line: 4, Field: `metadata.name`, Message: `"x-s3\"cr3t" is not a DNS name`},
		},
		"api":          apierr.Invalid("content", `admission: "s3\"cr3t" refused`),
		"orchestrator": &orchestrators.Error{Kind: orchestrators.ErrAPI, Reason: "Invalid", Message: `value "s3\"cr3t"`, Err: errors.New(`s3"cr3t`)},
		"other":        errors.New(`dial s3"cr3t`),
	} {
		got := scrubSecrets(err, testSecrets)
		if strings.Contains(got.Error(), `cr3t`) || strings.Contains(got.Error(), `'#'`) {
			t.Errorf("%s: %v", name, got)
		}
		var ce *configcenter.Error
		var ae *apierr.Error
		var oe *orchestrators.Error
		if (errors.As(err, &ce) && !errors.As(got, &ce)) || (errors.As(err, &ae) && !errors.As(got, &ae)) || (errors.As(err, &oe) && !errors.As(got, &oe)) {
			t.Errorf("%s: the scrubbed error %T lost the type of %T", name, got, err)
		}
	}
	if ps := configcenter.Problems(scrubSecrets(configcenter.Errors{{Line: 3, Message: `the value of "pw" contains ": "`}}, testSecrets)); ps[0].Line != 3 || !strings.Contains(ps[0].Message, `secret variable "pw"`) {
		t.Errorf("problems: %+v", ps)
	}
	if scrubSecrets(nil, testSecrets) != nil {
		t.Error("nil became an error")
	}
}

func TestSecretFieldsHideChangesAroundSecretValues(t *testing.T) {
	objs := []configcenter.Object{{Kind: "Deployment", Name: "web", Doc: map[string]any{
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"image": "nginx", "env": []any{map[string]any{"name": "PW", "value": `u:s3"cr3t`}}},
		}}}},
	}}}
	fields := secretFieldsOf(objs, map[string]string{"pw": `s3"cr3t`})
	for path, want := range map[string]bool{
		"spec.template.spec.containers[0].env[0].value":   true, // the field
		"spec.template.spec.containers[0].env":            true, // around it
		"spec.template.spec.containers[0].env[0].value.x": true, // inside it
		"spec.template.spec.containers[0].image":          false,
		"spec.template.spec.containers[0].env[0].name":    false,
	} {
		if got := fields.hide("Deployment", "web", path); got != want {
			t.Errorf("%s: hide %v, want %v", path, got, want)
		}
	}
	if fields.hide("ConfigMap", "web", "spec") {
		t.Error("another object's change is hidden")
	}
	res := &orchestrators.ApplyResult{Objects: []orchestrators.ObjectResult{{Ref: orchestrators.ObjectRef{Kind: "Deployment", Name: "web"},
		Changes: []orchestrators.FieldChange{{Path: "spec.template.spec.containers[0].env[0].value", Old: `"u:former"`, New: `"u:s3\"cr3t"`}}}}}
	hideSecretChanges(res, fields)
	if c := res.Objects[0].Changes[0]; c.Old != redact.Mark || c.New != redact.Mark {
		t.Errorf("change kept: %+v", c)
	}
}

func TestScrubResultFindsJSONEscapedValues(t *testing.T) {
	out := scrubResult(map[string]any{"message": `value "s3\"cr3t" refused`}, testSecrets)
	b, _ := json.Marshal(out)
	if strings.Contains(string(b), "cr3t") || !strings.Contains(string(b), redact.Mark) {
		t.Errorf("result: %s", b)
	}
}

func TestObjectStatusesShowNoSecretNames(t *testing.T) {
	objs := []configcenter.Object{{Kind: "ConfigMap", Name: "cfg-s3cr3t"}}
	b, _ := json.Marshal(objectStatuses(objs, "ns", "PENDING", "", map[string]string{"pw": "s3cr3t"}))
	if strings.Contains(string(b), "s3cr3t") || !strings.Contains(string(b), `"cfg-[REDACTED]"`) {
		t.Errorf("statuses: %s", b)
	}
}
