package helm

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"sigs.k8s.io/yaml"

	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/orchestrators"
)

// maxValuesBytes bounds the values a request may carry.
const maxValuesBytes = 1 << 20

var yamlLine = regexp.MustCompile(`line (\d+)`)

// ParseValues reads values YAML (a mapping; empty is none). A syntax
// error names its line.
func ParseValues(text string) (map[string]any, error) {
	if len(text) > maxValuesBytes {
		return nil, orchestrators.BadInput("", "values are over %d bytes", maxValuesBytes)
	}
	vals := map[string]any{}
	if strings.TrimSpace(text) == "" {
		return vals, nil
	}
	if err := yaml.Unmarshal([]byte(text), &vals); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m == nil && strings.Contains(msg, "cannot unmarshal") {
			msg = "values must be a mapping of keys to values (" + msg + ")"
		}
		return nil, orchestrators.BadInput("", "values are not valid YAML: %s", msg)
	}
	if vals == nil {
		vals = map[string]any{}
	}
	return vals, nil
}

// ValuesYAML writes values as YAML ("" for none).
func ValuesYAML(vals map[string]any) string {
	if len(vals) == 0 {
		return ""
	}
	b, err := yaml.Marshal(vals)
	if err != nil {
		return fmt.Sprintf("# values cannot be shown: %v\n", err)
	}
	return string(b)
}

// Shown is values as someone who may not change the release reads them:
// values under keys that look secret replaced.
func Shown(vals map[string]any, full bool) map[string]any {
	if full {
		return vals
	}
	return redact.Values(vals)
}

// Diff is a unified diff between two values documents.
func Diff(fromName, from, toName, to string) string {
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(from), B: difflib.SplitLines(to),
		FromFile: fromName, ToFile: toName, Context: 3,
	})
	if err != nil {
		return ""
	}
	return d
}
