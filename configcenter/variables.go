package configcenter

import (
	"fmt"
	"regexp"
	"strings"
)

// Scope says where a variable applies; the values match the Variable
// schema's scope enum.
type Scope string

// Scopes, from widest to narrowest.
const (
	ScopeGlobal    Scope = "GLOBAL"
	ScopeCluster   Scope = "CLUSTER"
	ScopeNamespace Scope = "NAMESPACE"
)

// Variable is one stored value for {{ Key }}. ClusterID is set for CLUSTER
// and NAMESPACE scope, Namespace only for NAMESPACE scope.
type Variable struct {
	Key       string
	Value     string
	Scope     Scope
	ClusterID string
	Namespace string
}

// Target is where a template version is rendered: one namespace of one
// cluster of a project. It supplies the system variables.
type Target struct {
	ProjectCode string
	ProjectID   string
	ClusterID   string
	Namespace   string
}

// System variables, set from the Target on every render, as the original's
// SYS_* variables. They cannot be defined or overridden by users.
const (
	SysProjectID   = "SYS_PROJECT_ID"
	SysProjectCode = "SYS_PROJECT_CODE"
	SysClusterID   = "SYS_CLUSTER_ID"
	SysNamespace   = "SYS_NAMESPACE"
)

// sysPrefix is reserved so that a future system variable cannot collide
// with a user's key.
const sysPrefix = "SYS_"

// MaxKeyLen matches the schema's limit on Variable.key.
const MaxKeyLen = 64

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// ValidateKey checks a variable key's syntax: 1 to 64 letters, digits,
// '_' and '.'. System keys pass; ValidateVariable refuses them.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return &Error{Field: "key", Message: "is required"}
	case len(key) > MaxKeyLen:
		return &Error{Field: "key", Message: fmt.Sprintf("must be at most %d characters, not %d", MaxKeyLen, len(key))}
	case !keyPattern.MatchString(key):
		return &Error{Field: "key", Message: fmt.Sprintf("%q may contain only letters, digits, '_' and '.'", key)}
	}
	return nil
}

// IsSystemKey reports a key in the reserved SYS_ namespace (any case, so
// that sys_namespace cannot pass for SYS_NAMESPACE).
func IsSystemKey(key string) bool {
	return len(key) >= len(sysPrefix) && strings.EqualFold(key[:len(sysPrefix)], sysPrefix)
}

// ValidateVariable checks a user variable before it is saved: the key's
// syntax, that it is not a system key, and that the scope has exactly the
// cluster and namespace fields it needs.
func ValidateVariable(v Variable) error {
	if err := ValidateKey(v.Key); err != nil {
		return err
	}
	if IsSystemKey(v.Key) {
		return &Error{Field: "key", Message: fmt.Sprintf("%q: keys beginning with %s are reserved for system variables", v.Key, sysPrefix)}
	}
	switch v.Scope {
	case ScopeGlobal:
		if v.ClusterID != "" || v.Namespace != "" {
			return &Error{Field: "scope", Message: "a GLOBAL variable takes no cluster or namespace"}
		}
	case ScopeCluster:
		if v.ClusterID == "" {
			return &Error{Field: "clusterId", Message: "is required for a CLUSTER variable"}
		}
		if v.Namespace != "" {
			return &Error{Field: "namespace", Message: "a CLUSTER variable takes no namespace; use NAMESPACE scope"}
		}
	case ScopeNamespace:
		if v.ClusterID == "" {
			return &Error{Field: "clusterId", Message: "is required for a NAMESPACE variable"}
		}
		if v.Namespace == "" {
			return &Error{Field: "namespace", Message: "is required for a NAMESPACE variable"}
		}
	default:
		return &Error{Field: "scope", Message: fmt.Sprintf("must be GLOBAL, CLUSTER or NAMESPACE, not %q", v.Scope)}
	}
	return nil
}

// rank orders scopes by how narrow they are; 0 means the variable does not
// apply to the target.
func (v Variable) rank(t Target) int {
	switch v.Scope {
	case ScopeGlobal:
		return 1
	case ScopeCluster:
		if v.ClusterID == t.ClusterID {
			return 2
		}
	case ScopeNamespace:
		if v.ClusterID == t.ClusterID && v.Namespace == t.Namespace {
			return 3
		}
	}
	return 0
}

// Resolve returns the values for rendering into target: for each key the
// variable of the narrowest scope that applies (namespace over cluster over
// global), plus the system variables, which always win. User variables
// with system keys are ignored, so a stored one cannot override them.
// Among variables of equal scope for one key (the schema's unique index
// prevents that) the last one wins.
func Resolve(vars []Variable, target Target) map[string]string {
	values := make(map[string]string, len(vars)+4)
	ranks := make(map[string]int, len(vars))
	for _, v := range vars {
		if IsSystemKey(v.Key) {
			continue
		}
		r := v.rank(target)
		if r == 0 || r < ranks[v.Key] {
			continue
		}
		ranks[v.Key] = r
		values[v.Key] = v.Value
	}
	for k, v := range SystemValues(target) {
		values[k] = v
	}
	return values
}

// SystemValues are the system variables for a target.
func SystemValues(t Target) map[string]string {
	return map[string]string{
		SysProjectID:   t.ProjectID,
		SysProjectCode: t.ProjectCode,
		SysClusterID:   t.ClusterID,
		SysNamespace:   t.Namespace,
	}
}
