package configcenter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRenderSubstitutes(t *testing.T) {
	r, err := Render(KindK8S, deployment, vals("name", "web", "SYS_NAMESPACE", "ns1", "replicas", "3", "image", "nginx:1.25"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Objects) != 1 {
		t.Fatalf("objects: %+v", r.Objects)
	}
	o := r.Objects[0]
	if o.Kind != "Deployment" || o.Name != "web" || o.Namespace != "ns1" || o.Line != 1 {
		t.Fatalf("object: %+v", o)
	}
	spec := o.Doc["spec"].(map[string]any)
	if spec["replicas"] != int64(3) {
		t.Fatalf("replicas %#v: an unquoted value keeps its type", spec["replicas"])
	}
	if want := []string{"SYS_NAMESPACE", "image", "name", "replicas"}; !reflect.DeepEqual(r.Used, want) {
		t.Fatalf("used %v, want %v", r.Used, want)
	}
	if !strings.Contains(r.Content, `image: "nginx:1.25"`) {
		t.Fatalf("content:\n%s", r.Content)
	}
}

func TestRenderPlaceholderSpacing(t *testing.T) {
	for _, ph := range []string{"{{v}}", "{{ v }}", "{{   v}}", "{{\tv\t}}"} {
		r, err := Render(KindK8S, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "+ph+"\n", vals("v", "cfg"))
		if err != nil {
			t.Fatalf("%s: %v", ph, err)
		}
		if r.Objects[0].Name != "cfg" {
			t.Fatalf("%s: name %q", ph, r.Objects[0].Name)
		}
	}
}

// TestRenderPlaceholderErrors covers placeholders that are wrong whatever
// the values: each error names where the "{{" stands.
func TestRenderPlaceholderErrors(t *testing.T) {
	cases := []struct {
		name      string
		content   string
		line, col int
		text      string
	}{
		{"unknown variable", deployment, 12, 17, `unknown variable "image"`},
		{"unknown after multibyte text", "a: 'héllo' {{ nope }}\n", 1, 12, `unknown variable "nope"`},
		{"unterminated", "a: 1\nb: {{ name\nc: 2\n", 2, 4, `unterminated "{{"`},
		{"closing on next line", "a: {{ name\n}}\n", 1, 4, "unterminated"},
		{"single closing brace", "a: {{ name }\n", 1, 4, "unterminated"},
		{"empty", "a: {{}}\n", 1, 4, "empty placeholder"},
		{"blank", "a: {{  }}\n", 1, 4, "empty placeholder"},
		{"not a key", "a: \"{{ $labels.instance }}\"\n", 1, 5, `\{{`},
		{"dash in key", "a: {{ my-var }}\n", 1, 4, "not a variable reference"},
		{"key too long", "a: {{ " + strings.Repeat("k", 65) + " }}\n", 1, 4, "not a variable reference"},
		{"logic is not supported", "{{ if .x }}\n", 1, 1, "not a variable reference"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Render(KindK8S, c.content, vals("name", "web", "SYS_NAMESPACE", "ns", "replicas", "1"))
			wantProblem(t, err, c.line, c.col, c.text)
		})
	}
}

func TestRenderReportsEveryUnknownVariable(t *testing.T) {
	_, err := Render(KindK8S, "a: {{ x }}\nb: {{ y }} {{ x }}\n", nil)
	ps := Problems(err)
	if len(ps) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("%T is not Errors", err)
	}
	wantProblem(t, err, 2, 4, `"y"`)
	wantProblem(t, err, 2, 12, `"x"`)
}

func TestRenderEscapedBraces(t *testing.T) {
	tpl := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rules}\ndata:\n  alert: |\n    summary: \\{{ $labels.instance }} is down in {{ SYS_NAMESPACE }}\n"
	r, err := Render(KindK8S, tpl, vals("SYS_NAMESPACE", "prod"))
	if err != nil {
		t.Fatal(err)
	}
	got := r.Objects[0].Doc["data"].(map[string]any)["alert"]
	if got != "summary: {{ $labels.instance }} is down in prod\n" {
		t.Fatalf("alert %q", got)
	}
	refs, err := References(tpl)
	if err != nil || len(refs) != 1 || refs[0] != (Reference{Key: "SYS_NAMESPACE", Line: 6, Column: 49}) {
		t.Fatalf("references %+v, %v", refs, err)
	}
}

// field renders a one-field ConfigMap-like object whose data.v line is
// tplLine and returns data.v.
func renderValue(t *testing.T, line, value string) (any, error) {
	t.Helper()
	tpl := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n" + line + "\n"
	r, err := Render(KindK8S, tpl, vals("v", value))
	if err != nil {
		return nil, err
	}
	return r.Objects[0].Doc["data"], nil
}

// TestRenderValueInsertion is the value rule of doc.go, one case per
// context: what is accepted, how it comes out, and what is refused.
func TestRenderValueInsertion(t *testing.T) {
	cases := []struct {
		name  string
		line  string // data's content, line 6 of the template
		value string
		want  any    // data, when accepted
		err   string // message fragment, when refused
	}{
		// Double-quoted: anything, escaped.
		{"dq newline", `  v: "{{ v }}"`, "a\nb", map[string]any{"v": "a\nb"}, ""},
		{"dq quotes and backslash", `  v: "{{ v }}"`, `say "hi" \o/`, map[string]any{"v": `say "hi" \o/`}, ""},
		{"dq control", `  v: "{{ v }}"`, "a\x01\x7fb\u2028", map[string]any{"v": "a\x01\x7fb\u2028"}, ""},
		{"dq yaml syntax stays text", `  v: "x-{{ v }}"`, "a: b # c\n- d", map[string]any{"v": "x-a: b # c\n- d"}, ""},
		// Single-quoted: quotes doubled, one line.
		{"sq quote", `  v: '{{ v }}'`, "it's", map[string]any{"v": "it's"}, ""},
		{"sq newline", `  v: '{{ v }}'`, "a\nb", nil, "line break, which cannot stand in a single-quoted string"},
		// Block scalar: lines kept and indented.
		{"block multi-line", "  v: |\n    start\n    {{ v }}\n    end", "a: 1\n  b\n# c", map[string]any{"v": "start\na: 1\n  b\n# c\nend\n"}, ""},
		{"folded block", "  v: >-\n    {{ v }}", "a\nb", map[string]any{"v": "a b"}, ""},
		// Plain: as is, when it is plain text.
		{"plain number stays a number", `  v: {{ v }}`, "42", map[string]any{"v": int64(42)}, ""},
		{"plain colon without space", `  v: {{ v }}`, "nginx:1.25", map[string]any{"v": "nginx:1.25"}, ""},
		{"plain inner hash", `  v: {{ v }}`, "a#b", map[string]any{"v": "a#b"}, ""},
		{"plain inside a scalar", `  v: app-{{ v }}-svc`, "-x", map[string]any{"v": "app--x-svc"}, ""},
		{"plain empty", `  v: {{ v }}`, "", nil, "is empty"},
		{"plain blank", `  v: {{ v }}`, "  ", nil, "is empty"},
		{"plain empty inside a scalar", `  v: app{{ v }}`, "", map[string]any{"v": "app"}, ""},
		{"dq empty", `  v: "{{ v }}"`, "", map[string]any{"v": ""}, ""},
		{"plain forms a mapping with the text before", `  v: x:{{ v }}`, " y", nil, `forms ": "`},
		{"plain forms a mapping with the text after", `  v: {{ v }} y`, "x:", nil, `forms ": "`},
		{"plain colon at the end", `  v: {{ v }}`, "a:", nil, `forms ": "`},
		{"plain forms a comment with the text after", `  v: a{{ v }}#x`, "b ", nil, `forms " #"`},
		{"plain changes indentation", `{{ v }}: 1`, "  x", nil, "begins with a space"},
		{"plain after a dash", `  v: -{{ v }}`, " x", nil, "begins with a space"},
		{"plain inner space", `  v: {{ v }}`, "a b  c ", map[string]any{"v": "a b  c"}, ""},
		{"block leading space after text", "  v: |\n    a{{ v }}", "  x\n  y", map[string]any{"v": "a  x\n  y\n"}, ""},
		{"plain key", `  {{ v }}: 1`, "k.x", map[string]any{"k.x": int64(1)}, ""},
		{"plain newline", `  v: {{ v }}`, "a\nb: c", nil, `value of "v" contains a line break`},
		{"plain tab", `  v: {{ v }}`, "a\tb", nil, "U+0009"},
		{"plain mapping", `  v: {{ v }}`, "a: b", nil, `": ", which YAML reads as a mapping`},
		{"plain comment", `  v: {{ v }}`, "a #b", nil, "comment"},
		{"plain leading hash", `  v: x {{ v }}`, "#b", nil, "comment"},
		{"plain alias", `  v: {{ v }}`, "*a", nil, `begins with '*'`},
		{"plain flow start", `  v: {{ v }}`, "[a]", nil, "begins with '['"},
		{"plain quote start", `  v: {{ v }}`, `"a"`, nil, "begins with '\"'"},
		{"plain sequence entry", `  v: {{ v }}`, "- a", nil, `begins with "-"`},
		{"plain lone dash", `  v: {{ v }}`, "-", nil, `begins with "-"`},
		{"plain merge key", `  {{ v }}: {a: 1}`, "<<", nil, "merge key"},
		{"plain document marker", "{{ v }}: 1", "--- x", nil, "begins with"},
		{"plain invalid utf-8", `  v: {{ v }}`, "\xff", nil, "not valid UTF-8"},
		// Flow collections (and JSON).
		{"flow plain", `  v: "{{ v }}"`, "a,b", map[string]any{"v": "a,b"}, ""},
		{"flow comma", `  w: [x, {{ v }}]`, "a,b", nil, "end of a flow collection"},
		{"flow brace", `  w: {k: {{ v }}}`, "a}", nil, "end of a flow collection"},
		{"flow ok", `  w: [x, {{ v }}]`, "y", map[string]any{"w": []any{"x", "y"}}, ""},
		// Comments: one line.
		{"comment", `  v: 1 # set by {{ v }}`, "ops: team #1", map[string]any{"v": int64(1)}, ""},
		{"comment newline", `  v: 1 # {{ v }}`, "a\nb: 2", nil, "line break, which cannot stand in a comment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := renderValue(t, c.line, c.value)
			if c.err != "" {
				e := wantProblem(t, err, 6, -1, c.err)
				if e.Column == 0 {
					t.Fatalf("no column in %v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("data = %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestRenderBlockRefusals(t *testing.T) {
	_, err := renderValue(t, "  v: |\n    {{ v }}", "a\r\nb")
	wantProblem(t, err, 7, 5, "U+000D, which cannot stand in a block scalar")
	_, err = renderValue(t, "  v: |\n    {{ v }}", "  x")
	wantProblem(t, err, 7, 5, "change the indentation of the block scalar")
}

// TestRenderJSONValues: in a JSON template a value cannot add fields.
func TestRenderJSONValues(t *testing.T) {
	tpl := `{
	"name": "{{ name }}",
	"instances": {{ n }},
	"cpus": 0.5, "mem": 64,
	"cmd": "echo {{ msg }}"
}`
	r, err := Render(KindMesos, tpl, vals("name", "web", "n", "2", "msg", `x", "privileged": true, "y": "`))
	if err != nil {
		t.Fatal(err)
	}
	app := r.Objects[0].App
	if app.Instances != 2 || app.Cmd != `echo x", "privileged": true, "y": "` {
		t.Fatalf("app %+v", app)
	}
	_, err = Render(KindMesos, tpl, vals("name", "web", "n", "2, 3", "msg", ""))
	wantProblem(t, err, 3, 15, "end of a flow collection")
}

// TestRenderErrorLinesAfterMultiLineValues: lines a value adds do not
// shift the lines errors report.
func TestRenderErrorLinesAfterMultiLineValues(t *testing.T) {
	tpl := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: |\n    {{ v }}\n  b: c: d\n"
	_, err := Render(KindK8S, tpl, vals("v", "1\n2\n3\n4"))
	e := wantProblem(t, err, 8, -1, "invalid YAML")
	if e.Column != 0 {
		t.Fatalf("column %d after a substitution", e.Column)
	}

	tpl = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: |\n    {{ v }}\n---\nkind: Secret\nmetadata: {name: s}\n"
	_, err = Render(KindK8S, tpl, vals("v", "1\n2\n3\n4"))
	wantProblem(t, err, 9, 1, "apiVersion: is required")
}

func TestRenderValidatesObjects(t *testing.T) {
	_, err := Render(KindK8S, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"{{ name }}\"\n", vals("name", ""))
	wantProblem(t, err, 4, 0, "metadata.name: must not be empty")
	_, err = Render(KindMesos, `{"name": "{{ name }}", "instances": 1, "cpus": 1, "mem": 1, "cmd": "x"}`, vals("name", "Web_1"))
	wantProblem(t, err, 1, 0, "name: \"Web_1\" must be lower-case")
}

func TestRenderKindAndSize(t *testing.T) {
	_, err := Render("HELM", "a: 1", nil)
	wantProblem(t, err, 1, 0, "must be K8S or MESOS")
	_, err = Render(KindK8S, strings.Repeat("#", MaxTemplateBytes+1), nil)
	wantProblem(t, err, 1, 0, "at most")
	big := strings.Repeat("x", MaxRenderedBytes/8)
	tpl := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" + strings.Repeat("  {{ v }}: 1\n", 10)
	_, err = Render(KindK8S, tpl, vals("v", big))
	wantProblem(t, err, 12, 3, "would exceed")
}

func TestResolveThenRender(t *testing.T) {
	vars := []Variable{
		{Key: "image", Value: "nginx:1", Scope: ScopeGlobal},
		{Key: "replicas", Value: "1", Scope: ScopeGlobal},
		{Key: "replicas", Value: "5", Scope: ScopeNamespace, ClusterID: "BCS-K8S-1", Namespace: "prod"},
		{Key: "SYS_NAMESPACE", Value: "hijack", Scope: ScopeGlobal},
		{Key: "name", Value: "web", Scope: ScopeCluster, ClusterID: "BCS-K8S-1"},
	}
	for ns, replicas := range map[string]int64{"prod": 5, "test": 1} {
		r, err := Render(KindK8S, deployment, Resolve(vars, Target{ProjectID: "p", ProjectCode: "demo", ClusterID: "BCS-K8S-1", Namespace: ns}))
		if err != nil {
			t.Fatal(err)
		}
		o := r.Objects[0]
		if o.Namespace != ns || o.Doc["spec"].(map[string]any)["replicas"] != replicas {
			t.Fatalf("%s: %+v", ns, o)
		}
	}
	_, err := Render(KindK8S, deployment, Resolve(vars, Target{ClusterID: "BCS-K8S-2", Namespace: "prod"}))
	wantProblem(t, err, 4, 9, `unknown variable "name"`)
}

// TestValuesNeverChangeStructure renders awkward values at every kind of
// site and checks the rule of doc.go: a value is either refused or leaves
// the documents' structure as a neutral value does.
func TestValuesNeverChangeStructure(t *testing.T) {
	sites := []string{
		"a: {{ v }}\nb: 1\n",
		"a: x{{ v }}y\n",
		"a: x:{{ v }}\n",
		"a: -{{ v }}\n",
		"{{ v }}: 1\nb: 2\n",
		"a:\n  {{ v }}: 1\n  b: 2\n",
		"a:\n- {{ v }}\n- b\n",
		"a:\n- {{ v }}: 1\n  c: 1\n",
		"a: {{ v }}\n  more\n",
		"a: {{ v }} # c\n",
		"a: {{ v }}{{ v }}\n",
		"a: [{{ v }}, b]\n",
		"a: {k: {{ v }}}\n",
		`{"a": "{{ v }}", "b": {{ v }}}`,
		"a: \"{{ v }}\"\nb: 1\n",
		"a: \"x\n  {{ v }}\n  y\"\n",
		"a: '{{ v }}'\n",
		"a: |\n  {{ v }}\n  tail\nb: 1\n",
		"a: |\n  head\n  {{ v }}\nb: 1\n",
		"a: >-\n  x {{ v }}\nb: 1\n",
		"a: 1 # {{ v }}\nb: 2\n",
		"a: &anchor {{ v }}\nb: *anchor\n",
		"? {{ v }}\n: 1\n",
		"a:\n  {{ v }}\n",
	}
	values := []string{
		"", " ", "x", "1", "true", "null", "~", "-", "- x", "?", "? x", ":", ": x", "x:", "x: y", "x:y",
		"#", "# x", "x #y", "x#y", "x ", " x", "\tx", "[", "]", "{", "}", ",", "x,y", "&a", "*a", "!t", "|", ">",
		"'", "\"", "%", "@", "`", "<<", "---", "...", "x\ny", "x\n", "\n", "x\r\ny", "\\", "\\n", "\"x\": 1",
		"x\u2028y", "x\u0085y", "\u00a0x", "{{ v }}", "é", "\x7f", "a\x00b",
	}
	for _, tpl := range sites {
		neutral, ok := renderShapes(tpl, vals("v", "n"))
		if !ok {
			t.Fatalf("site %q does not render with a neutral value", tpl)
		}
		for _, v := range values {
			got, ok := renderShapes(tpl, vals("v", v))
			if ok && got != neutral {
				t.Errorf("site %q, value %q: structure %q, want %q", tpl, v, got, neutral)
			}
		}
	}
}
