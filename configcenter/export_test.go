package configcenter

import (
	"reflect"
	"strings"
	"testing"
)

func sampleTemplates() []ExportedTemplate {
	return []ExportedTemplate{
		{Name: "web", Description: "front end", Kind: KindK8S, Draft: deployment + "# wip {{", Versions: []ExportedVersion{
			{Label: "v1", Note: "first", Content: deployment},
			{Label: "v1.1-rc1", Note: "", Content: strings.ReplaceAll(deployment, "app", "web")},
		}},
		{Name: "jobs", Kind: KindMesos, Draft: mesosApp},
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	in := sampleTemplates()
	data, err := Export(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "{\n  \"format\": \"bcs-templates/v1\",\n  \"templates\": [") {
		t.Fatalf("export:\n%s", data)
	}
	out, err := Import(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in[0].Versions {
		in[0].Versions[i].Digest = Digest(in[0].Versions[i].Content)
	}
	in[1].Versions = []ExportedVersion{}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip\n%+v\nwant\n%+v", out, in)
	}
	again, err := Export(out)
	if err != nil || string(again) != string(data) {
		t.Fatalf("export is not stable: %v", err)
	}
	// A document without digests (hand-written) is accepted.
	if _, err := Import([]byte(`{"format":"bcs-templates/v1","templates":[{"name":"a","kind":"K8S","versions":[{"label":"v1","content":"x"}]}]}`)); err != nil {
		t.Fatal(err)
	}
}

func TestImportErrors(t *testing.T) {
	valid := `{"format": "bcs-templates/v1", "templates": [{"name": "a", "description": "", "kind": "K8S", "draft": "", "versions": []}]}`
	cases := []struct {
		name      string
		doc       string
		line, col int
		field     string
		text      string
	}{
		{"not JSON", "format: bcs-templates/v1\n", 1, 2, "", "invalid JSON"},
		{"syntax error position", "{\n  \"format\": \"bcs-templates/v1\",\n  \"templates\": [}\n", 3, 17, "", "invalid JSON"},
		{"truncated", `{"format": "bcs-templates/v1", "templates": [`, 1, 46, "", "invalid JSON"},
		{"empty", ``, 1, 1, "", "unexpected end"},
		{"array", `[]`, 1, 2, "", "must be a JSON object, not a list"},
		{"missing format", `{"templates": []}`, 0, 0, "format", "not a BCS templates export"},
		{"other format", `{"format": "helm/v3"}`, 0, 0, "format", `"helm/v3" is not supported`},
		{"future version", `{"format": "bcs-templates/v2", "templates": []}`, 0, 0, "format", "reads bcs-templates/v1"},
		{"format not a string", `{"format": 1}`, 1, -1, "format", "must be a string, not a number"},
		{"unknown field", strings.Replace(valid, `"draft"`, `"locked": true, "draft"`, 1), 1, -1, "locked", "is not a field of bcs-templates/v1"},
		{"wrong type", strings.Replace(valid, `"versions": []`, `"versions": {}`, 1), 1, -1, "templates.versions", "must be a list, not an object"},
		{"trailing data", valid + ` {}`, 1, -1, "", "after top-level value"},
		{"no templates", `{"format": "bcs-templates/v1", "templates": []}`, 0, 0, "templates", "no templates"},
		{"no name", strings.Replace(valid, `"name": "a"`, `"name": " "`, 1), 0, 0, "templates[0].name", "is required"},
		{"long name", strings.Replace(valid, `"name": "a"`, `"name": "`+strings.Repeat("n", 65)+`"`, 1), 0, 0, "templates[0].name", "at most 64"},
		{"bad kind", strings.Replace(valid, `"K8S"`, `"HELM"`, 1), 0, 0, "templates[0].kind", "must be K8S or MESOS"},
		{"duplicate name", `{"format": "bcs-templates/v1", "templates": [{"name": "a", "kind": "K8S"}, {"name": "a", "kind": "MESOS"}]}`, 0, 0, "templates[1].name", "also the name of templates[0]"},
		{"bad label", strings.Replace(valid, `"versions": []`, `"versions": [{"label": "v 1", "content": ""}]`, 1), 0, 0, "templates[0].versions[0].label", "may contain only"},
		{"duplicate label", strings.Replace(valid, `"versions": []`, `"versions": [{"label": "v1", "content": ""}, {"label": "v1", "content": ""}]`, 1), 0, 0, "templates[0].versions[1].label", "also the label of versions[0]"},
		{"changed content", strings.Replace(valid, `"versions": []`, `"versions": [{"label": "v1", "content": "b", "digest": "`+Digest("a")+`"}]`, 1), 0, 0, "templates[0].versions[0].digest", "does not match"},
		{"placeholder syntax", strings.Replace(valid, `"versions": []`, `"versions": [{"label": "v1", "content": "a: 1\nb: {{ x"}]`, 1), 0, 0, "templates[0].versions[0].content", `line 2, column 4: unterminated "{{"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import([]byte(c.doc))
			e := wantProblem(t, err, c.line, c.col, c.text)
			if e.Field != c.field {
				t.Fatalf("field %q, want %q (%v)", e.Field, c.field, e)
			}
		})
	}
}

func TestExportChecksTemplates(t *testing.T) {
	in := sampleTemplates()
	in[1].Name = "web"
	_, err := Export(in)
	wantProblem(t, err, 0, 0, "templates[1].name: \"web\" is also the name")
}
