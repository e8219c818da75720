package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func validApp() App {
	return App{Name: "web", Instances: 3, CPUs: 0.1, Mem: 64, Cmd: "sleep 1000"}.WithDefaults()
}

func TestValidateAcceptsDefaults(t *testing.T) {
	a := validApp()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Namespace != DefaultNamespace || a.RestartPolicy.Policy != RestartOnFailure {
		t.Fatalf("defaults not applied: %+v", a)
	}
}

func TestValidateNamesFields(t *testing.T) {
	cases := []struct {
		mutate func(*App)
		field  string
		text   string
	}{
		{func(a *App) { a.Name = "" }, "name", "required"},
		{func(a *App) { a.Name = "Web_1" }, "name", "lower-case"},
		{func(a *App) { a.Namespace = "a.b" }, "namespace", "lower-case"},
		{func(a *App) { a.Instances = -1 }, "instances", "between 0"},
		{func(a *App) { a.CPUs = 0 }, "cpus", "more than 0"},
		{func(a *App) { a.Mem = 0 }, "mem", "at least 1"},
		{func(a *App) { a.Cmd = "" }, "cmd", "command or a container image"},
		{func(a *App) { a.Container = &Container{Type: "RKT", Image: "x", Network: "HOST"} }, "container.type", "DOCKER or MESOS"},
		{func(a *App) { a.Container = &Container{Type: "DOCKER", Network: "HOST"} }, "container.image", "required"},
		{func(a *App) { a.Ports = []Port{{Name: "http", Protocol: "tcp"}, {Name: "http", Protocol: "tcp"}} }, "ports[1].name", "used twice"},
		{func(a *App) { a.Ports = []Port{{Protocol: "sctp"}} }, "ports[0].protocol", "tcp or udp"},
		{func(a *App) { a.Env = map[string]string{"1X": "y"} }, "env.1X", "environment variable"},
		{func(a *App) { a.Constraints = []Constraint{{Field: "hostname", Operator: "NEAR"}} }, "constraints[0].operator", "one of UNIQUE"},
		{func(a *App) { a.Constraints = []Constraint{{Field: "rack", Operator: "MAX_PER", Value: "x"}} }, "constraints[0].value", "MAX_PER needs a count"},
		{func(a *App) { a.Constraints = []Constraint{{Field: "rack", Operator: "LIKE", Value: "r[1"}} }, "constraints[0].value", "regular expression"},
		{func(a *App) { a.Constraints = []Constraint{{Operator: "UNIQUE"}} }, "constraints[0].field", "required"},
		{func(a *App) { a.HealthChecks = []HealthCheck{{Protocol: "HTTP", PortIndex: 0}} }, "healthChecks[0].portIndex", "names no port"},
		{func(a *App) { a.HealthChecks = []HealthCheck{{Protocol: "COMMAND"}} }, "healthChecks[0].command", "required"},
		{func(a *App) { a.RestartPolicy.Policy = "Sometimes" }, "restartPolicy.policy", "OnFailure, Always or Never"},
		{func(a *App) { a.RestartPolicy.MaxTimes = -1 }, "restartPolicy.maxTimes", "negative"},
		{func(a *App) { a.UpgradeStrategy.MaxSurge = Percent(150) }, "upgradeStrategy.maxSurge", "at most 100%"},
		{func(a *App) { a.Env = map[string]string{"BIG": strings.Repeat("x", MaxSpecBytes)} }, "", "bytes"},
	}
	for _, c := range cases {
		a := validApp()
		c.mutate(&a)
		err := a.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: got %v, want a ValidationError", c.field, err)
		}
		found := false
		for _, fe := range ve.Errors {
			if fe.Field == c.field && strings.Contains(fe.Message, c.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %v does not name the field with %q", c.field, err, c.text)
		}
	}
}

func TestConstraintJSON(t *testing.T) {
	var cs []Constraint
	if err := json.Unmarshal([]byte(`[["hostname","unique"],{"field":"rack","operator":"GROUPBY","value":"3"}]`), &cs); err != nil {
		t.Fatal(err)
	}
	a := App{Constraints: cs}.WithDefaults()
	if a.Constraints[0].Operator != OpUnique || a.Constraints[1].Operator != OpGroupBy {
		t.Fatalf("operators not normalised: %v", a.Constraints)
	}
	b, _ := json.Marshal(a.Constraints)
	if string(b) != `[["hostname","UNIQUE"],["rack","GROUP_BY","3"]]` {
		t.Fatalf("marshal: %s", b)
	}
	if cs[0].Operator != "unique" {
		t.Fatal("WithDefaults changed the caller's constraints")
	}
}

func host(name, rack string) Host {
	return Host{Hostname: name, Attributes: map[string]string{"rack": rack}}
}

func TestPlacement(t *testing.T) {
	h1, h2, h3 := host("a", "r1"), host("b", "r2"), host("c", "r1")
	t.Run("unique", func(t *testing.T) {
		p := NewPlacement([]Constraint{{Field: "hostname", Operator: OpUnique}})
		p.Add(h1)
		if ok, _ := p.Allows(h1); ok {
			t.Fatal("second task on a allowed")
		}
		if ok, _ := p.Allows(h2); !ok {
			t.Fatal("b refused")
		}
		p.Remove(h1)
		if ok, _ := p.Allows(h1); !ok {
			t.Fatal("a refused after removal")
		}
	})
	t.Run("max_per", func(t *testing.T) {
		p := NewPlacement([]Constraint{{Field: "rack", Operator: OpMaxPer, Value: "2"}})
		p.Add(h1)
		p.Add(h3)
		if ok, c := p.Allows(h1); ok || c.Operator != OpMaxPer {
			t.Fatal("third task in r1 allowed")
		}
		if ok, _ := p.Allows(h2); !ok {
			t.Fatal("r2 refused")
		}
	})
	t.Run("cluster", func(t *testing.T) {
		p := NewPlacement([]Constraint{{Field: "rack", Operator: OpCluster}})
		p.Add(h1)
		if ok, _ := p.Allows(h2); ok {
			t.Fatal("r2 allowed after r1")
		}
		if ok, _ := p.Allows(h3); !ok {
			t.Fatal("r1 refused")
		}
		p2 := NewPlacement([]Constraint{{Field: "rack", Operator: OpCluster, Value: "r2"}})
		if ok, _ := p2.Allows(h1); ok {
			t.Fatal("r1 allowed for CLUSTER r2")
		}
	})
	t.Run("like", func(t *testing.T) {
		p := NewPlacement([]Constraint{{Field: "rack", Operator: OpLike, Value: "r[2-9]"}, {Field: "zone", Operator: OpUnlike, Value: "z1"}})
		if ok, _ := p.Allows(h1); ok {
			t.Fatal("r1 matched r[2-9]")
		}
		if ok, _ := p.Allows(h2); !ok {
			t.Fatal("r2 refused (an absent attribute passes UNLIKE)")
		}
	})
	t.Run("group_by", func(t *testing.T) {
		p := NewPlacement([]Constraint{{Field: "rack", Operator: OpGroupBy, Value: "3"}})
		r3 := host("d", "r3")
		for _, h := range []Host{h1, h2, r3} {
			p.See(h)
		}
		counts := map[string]int{}
		hosts := []Host{h1, h3, h1, h2, r3, h2, h1, r3}
		placed := 0
		for round := 0; placed < 8 && round < 100; round++ {
			h := hosts[round%len(hosts)]
			if ok, _ := p.Allows(h); ok {
				p.Add(h)
				counts[h.Attributes["rack"]]++
				placed++
			}
		}
		if counts["r1"] > 3 || counts["r2"] > 3 || counts["r3"] > 3 || placed != 8 {
			t.Fatalf("uneven spread: %v", counts)
		}
	})
}

func TestStrategyBounds(t *testing.T) {
	s := App{}.WithDefaults().UpgradeStrategy
	if surge, unavail := s.Bounds(10); surge != 3 || unavail != 2 {
		t.Fatalf("25%%/25%% of 10: %d %d", surge, unavail)
	}
	if surge, unavail := (UpgradeStrategy{MaxSurge: Int(0), MaxUnavailable: Int(0)}).Bounds(5); surge != 0 || unavail != 1 {
		t.Fatalf("0/0: %d %d", surge, unavail)
	}
	var v struct{ S IntOrPercent }
	if err := json.Unmarshal([]byte(`{"S":"40%"}`), &v); err != nil || v.S.Resolve(10, false) != 4 {
		t.Fatalf("%v %v", err, v.S)
	}
}

func TestRestartDelay(t *testing.T) {
	r := RestartPolicy{Policy: RestartOnFailure, IntervalSeconds: 5, BackoffSeconds: 10, MaxDelaySeconds: 20, MaxTimes: 2}
	got := fmt.Sprint(r.Delay(1), r.Delay(2), r.Delay(3))
	if got != fmt.Sprint(5*time.Second, 15*time.Second, 20*time.Second) {
		t.Fatal(got)
	}
	if r.Exhausted(2) || !r.Exhausted(3) {
		t.Fatal("MaxTimes 2 allows two restarts")
	}
	if r.Restarts(Finished) || !r.Restarts(Lost) || !(RestartPolicy{Policy: RestartAlways}).Restarts(Finished) {
		t.Fatal("policy outcomes")
	}
}

func TestTaskID(t *testing.T) {
	r := Ref{Namespace: "ns", Name: "web"}
	id := TaskID(r, 42, "a1b2")
	got, idx, ok := ParseTaskID(id)
	if !ok || got != r || idx != 42 {
		t.Fatalf("%s → %v %d %v", id, got, idx, ok)
	}
}
