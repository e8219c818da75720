package resolvers

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/orchestrators"
)

func TestAppliedResultKeepsNoSecretValues(t *testing.T) {
	res := &orchestrators.ApplyResult{DryRun: true, Objects: []orchestrators.ObjectResult{
		{Ref: orchestrators.ObjectRef{Kind: "Secret", Name: "db"}, Action: orchestrators.ActionConfigured, Changes: []orchestrators.FieldChange{
			{Path: "data.password", Old: `"b2xk"`, New: `"aHVudGVyMg=="`}, {Path: "metadata.labels.app", Old: `"a"`, New: `"b"`}}},
		{Ref: orchestrators.ObjectRef{Kind: "ConfigMap", Name: "cfg"}, Action: orchestrators.ActionConfigured, Changes: []orchestrators.FieldChange{
			{Path: "data.mode", Old: `"slow"`, New: `"fast"`}}},
	}}
	b, _ := json.Marshal(appliedResult(res))
	for _, leak := range []string{"b2xk", "aHVudGVyMg=="} {
		if strings.Contains(string(b), leak) {
			t.Errorf("the result keeps %s: %s", leak, b)
		}
	}
	for _, keep := range []string{"data.password", `\"b\"`, `\"fast\"`} {
		if !strings.Contains(string(b), keep) {
			t.Errorf("the result lost %s: %s", keep, b)
		}
	}
}
