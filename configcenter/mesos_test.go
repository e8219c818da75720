package configcenter

import (
	"testing"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

const mesosApp = `{
  "kind": "Application",
  "apiVersion": "bcs/v1",
  "name": "web",
  "instances": 3,
  "cpus": 0.5,
  "mem": 128,
  "container": {"image": "nginx:1.25", "network": "BRIDGE"},
  "ports": [{"name": "http", "containerPort": 80}],
  "env": {"MODE": "prod"},
  "constraints": [{"field": "hostname", "operator": "unique"}],
  "upgradeStrategy": {"maxSurge": "50%", "maxUnavailable": 0}
}`

func TestParseMesosApplications(t *testing.T) {
	yamlApp := `name: worker
namespace: jobs
instances: 2
cpus: 1
mem: 64
cmd: sleep 1000
`
	list := `{"kind": "List", "items": [{"name": "a", "cpus": 1, "mem": 1, "cmd": "x"}, {"name": "b", "cpus": 1, "mem": 1, "cmd": "x"}]}`
	objs, err := Parse(KindMesos, mesosApp+"\n---\n"+yamlApp+"---\n"+list)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 4 {
		t.Fatalf("objects %+v", objs)
	}
	web := objs[0]
	if web.Kind != KindApplication || web.APIVersion != "bcs/v1" || web.Name != "web" || web.Namespace != "" || web.Line != 1 {
		t.Fatalf("web %+v", web)
	}
	// App has the spec's defaults; the namespace is the instance's to set.
	if web.App == nil || web.App.Namespace != spec.DefaultNamespace || web.App.Container.Type != spec.ContainerDocker ||
		web.App.Ports[0].Protocol != "tcp" || web.App.Constraints[0].Operator != spec.OpUnique {
		t.Fatalf("app %+v", web.App)
	}
	if w := objs[1]; w.Name != "worker" || w.Namespace != "jobs" || w.Line != 15 || w.App.Cmd != "sleep 1000" {
		t.Fatalf("worker %+v", w)
	}
	if objs[2].Name != "a" || objs[3].Name != "b" || objs[2].Line != 22 {
		t.Fatalf("list %+v %+v", objs[2], objs[3])
	}
}

// TestParseMesosErrors: each error names the field, at its line.
func TestParseMesosErrors(t *testing.T) {
	app := func(extra string) string {
		return "name: web\ninstances: 1\ncpus: 1\nmem: 64\ncmd: run\n" + extra
	}
	cases := []struct {
		name      string
		content   string
		line, col int
		field     string
		text      string
	}{
		{"unknown field", app("instance: 3\n"), 6, 1, "instance", "is not a field of a Mesos application"},
		{"unknown nested field", app("container:\n  image: x\n  imagePull: true\n"), 8, 3, "container.imagePull", "is not a field of container"},
		{"wrong type", "name: web\ninstances: three\ncpus: 1\nmem: 64\ncmd: run\n", 2, 12, "instances", "must be a whole number, not a string"},
		{"fraction for an integer", app("killGracePeriodSeconds: 1.5\n"), 6, 25, "killGracePeriodSeconds", "whole number, not 1.5"},
		{"negative port", app("ports:\n- hostPort: -1\n"), 7, 13, "ports[0].hostPort", "must not be negative"},
		{"list expected", app("ports: 80\n"), 6, 8, "ports", "must be a list"},
		{"object expected", app("env: [A]\n"), 6, 6, "env", "must be an object"},
		{"env value type", app("env:\n  A: {b: 1}\n"), 7, 6, "env.A", "must be a string"},
		{"bad percentage", app("upgradeStrategy:\n  maxSurge: lots\n"), 7, 13, "upgradeStrategy.maxSurge", "count or a percentage"},
		{"spec rule: cpus", "name: web\ninstances: 1\ncpus: 0\nmem: 64\ncmd: run\n", 3, 7, "cpus", "more than 0"},
		{"spec rule: name", "name: Web_1\ninstances: 1\ncpus: 1\nmem: 64\ncmd: run\n", 1, 7, "name", "lower-case"},
		{"spec rule: missing command", "name: web\ninstances: 1\ncpus: 1\nmem: 64\n", 1, 1, "cmd", "a command or a container image is required"},
		{"spec rule: constraint", app("constraints:\n- {field: rack, operator: LIKE, value: r1}\n- {field: rack, operator: MAX_PER, value: x}\n"), 8, 43, "constraints[1].value", "MAX_PER needs a count"},
		{"spec rule: env name with dot", app("env:\n  A.B: x\n"), 7, 8, "env.A.B", "not a valid environment variable name"},
		{"spec rule: percentage range", app("upgradeStrategy: {maxSurge: 150%}\n"), 6, 29, "upgradeStrategy.maxSurge", "at most 100%"},
		{"spec rule: health check port", app("healthChecks:\n- protocol: HTTP\n  portIndex: 2\n"), 8, 14, "healthChecks[0].portIndex", "names no port"},
		{"kubernetes kind", "apiVersion: apps/v1\nkind: Deployment\nname: web\n", 2, 7, "kind", "Mesos templates hold Applications, not \"Deployment\""},
		{"kind not a string", app("kind: [x]\n"), 6, 7, "kind", "must be a string"},
		{"duplicate application", app("") + "---\n" + app(""), 7, 0, "", "Application web is defined twice (first on line 1)"},
		{"list item not an object", "kind: List\nitems: [1]\n", 2, 9, "items[0]", "must be an application object"},
		{"yaml syntax", "name: web\ncpus: 1: 2\n", 2, 0, "", "invalid YAML"},
		{"json syntax", "{\"name\": \"web\",\n\"cpus\": 1,,\n}", 2, 0, "", "invalid YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(KindMesos, c.content)
			e := wantProblem(t, err, c.line, c.col, c.text)
			if e.Field != c.field {
				t.Fatalf("field %q, want %q (%v)", e.Field, c.field, e)
			}
		})
	}
}

func TestParseMesosFieldsMatchLikeJSON(t *testing.T) {
	// encoding/json, which the Mesos adapter decodes with, matches field
	// names ignoring case; validation agrees with it.
	objs, err := Parse(KindMesos, "Name: web\nInstances: 1\nCPUs: 1\nMem: 64\nCmd: run\n")
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].Name != "web" || objs[0].App.CPUs != 1 {
		t.Fatalf("%+v", objs[0].App)
	}
}
