package configcenter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestResolveScopes(t *testing.T) {
	vars := []Variable{
		{Key: "a", Value: "global", Scope: ScopeGlobal},
		{Key: "a", Value: "c1", Scope: ScopeCluster, ClusterID: "c1"},
		{Key: "a", Value: "c1/ns1", Scope: ScopeNamespace, ClusterID: "c1", Namespace: "ns1"},
		{Key: "a", Value: "c2/ns1", Scope: ScopeNamespace, ClusterID: "c2", Namespace: "ns1"},
		// The namespace variable listed before the global one still wins.
		{Key: "b", Value: "c1/ns1", Scope: ScopeNamespace, ClusterID: "c1", Namespace: "ns1"},
		{Key: "b", Value: "global", Scope: ScopeGlobal},
		{Key: "c", Value: "c1", Scope: ScopeCluster, ClusterID: "c1"},
		{Key: "d", Value: "ns2 only", Scope: ScopeNamespace, ClusterID: "c1", Namespace: "ns2"},
		{Key: "SYS_NAMESPACE", Value: "evil", Scope: ScopeNamespace, ClusterID: "c1", Namespace: "ns1"},
		{Key: "sys_project_id", Value: "evil", Scope: ScopeGlobal},
	}
	sys := func(cluster, ns string) map[string]string {
		return map[string]string{"SYS_PROJECT_ID": "p1", "SYS_PROJECT_CODE": "demo", "SYS_CLUSTER_ID": cluster, "SYS_NAMESPACE": ns}
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name    string
		cluster string
		ns      string
		want    map[string]string
	}{
		{"namespace wins", "c1", "ns1", with(sys("c1", "ns1"), "a", "c1/ns1", "b", "c1/ns1", "c", "c1")},
		{"cluster over global", "c1", "other", with(sys("c1", "other"), "a", "c1", "b", "global", "c", "c1")},
		{"same namespace name in another cluster", "c2", "ns1", with(sys("c2", "ns1"), "a", "c2/ns1", "b", "global")},
		{"global only", "c3", "ns1", with(sys("c3", "ns1"), "a", "global", "b", "global")},
		{"other namespace", "c1", "ns2", with(sys("c1", "ns2"), "a", "c1", "b", "global", "c", "c1", "d", "ns2 only")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Resolve(vars, Target{ProjectID: "p1", ProjectCode: "demo", ClusterID: c.cluster, Namespace: c.ns})
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestResolveSystemVariablesAlwaysPresent(t *testing.T) {
	got := Resolve(nil, Target{})
	for _, k := range []string{SysProjectID, SysProjectCode, SysClusterID, SysNamespace} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
}

func TestValidateKey(t *testing.T) {
	for _, ok := range []string{"a", "A_1", "db.host", "1x", strings.Repeat("k", 64), "SYS_NAMESPACE"} {
		if err := ValidateKey(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for key, text := range map[string]string{
		"":                      "is required",
		strings.Repeat("k", 65): "at most 64",
		"my-var":                "only letters, digits",
		"a b":                   "only letters, digits",
		"ключ":                  "only letters, digits",
		"{{x}}":                 "only letters, digits",
	} {
		err := ValidateKey(key)
		var e *Error
		if !errors.As(err, &e) || e.Field != "key" || !strings.Contains(e.Message, text) {
			t.Errorf("%q: %v, want key: …%s…", key, err, text)
		}
	}
}

func TestValidateVariable(t *testing.T) {
	cases := []struct {
		v     Variable
		field string
		text  string
	}{
		{Variable{Key: "a", Scope: ScopeGlobal}, "", ""},
		{Variable{Key: "a", Scope: ScopeCluster, ClusterID: "c"}, "", ""},
		{Variable{Key: "a", Scope: ScopeNamespace, ClusterID: "c", Namespace: "n"}, "", ""},
		{Variable{Key: "a-b", Scope: ScopeGlobal}, "key", "only letters"},
		{Variable{Key: "SYS_NAMESPACE", Scope: ScopeGlobal}, "key", "reserved for system variables"},
		{Variable{Key: "Sys_Custom", Scope: ScopeGlobal}, "key", "reserved"},
		{Variable{Key: "a", Scope: ScopeGlobal, ClusterID: "c"}, "scope", "no cluster or namespace"},
		{Variable{Key: "a", Scope: ScopeCluster}, "clusterId", "is required"},
		{Variable{Key: "a", Scope: ScopeCluster, ClusterID: "c", Namespace: "n"}, "namespace", "takes no namespace"},
		{Variable{Key: "a", Scope: ScopeNamespace, Namespace: "n"}, "clusterId", "is required"},
		{Variable{Key: "a", Scope: ScopeNamespace, ClusterID: "c"}, "namespace", "is required"},
		{Variable{Key: "a", Scope: "PROJECT"}, "scope", "GLOBAL, CLUSTER or NAMESPACE"},
	}
	for _, c := range cases {
		err := ValidateVariable(c.v)
		if c.text == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.v, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Field != c.field || !strings.Contains(e.Message, c.text) {
			t.Errorf("%+v: %v, want %s: …%s…", c.v, err, c.field, c.text)
		}
	}
}
