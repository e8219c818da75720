package spec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Limits that keep one application's records far below ZooKeeper's 1 MB
// node limit and its task ids within what Mesos accepts.
const (
	MaxInstances = 10000
	MaxPorts     = 64
	MaxSpecBytes = 256 << 10
	maxLabelLen  = 63
)

// FieldError is one problem with one field, named by its JSON path
// (e.g. constraints[1].value).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every problem found in a spec; the API reports it
// as BAD_USER_INPUT.
type ValidationError struct {
	App    string       `json:"app"`
	Errors []FieldError `json:"errors"`
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Error()
	}
	return fmt.Sprintf("invalid application %s: %s", e.App, strings.Join(msgs, "; "))
}

type checker struct{ errs []FieldError }

type named struct {
	name string
	v    int
}

func (c *checker) nonNegative(prefix string, fields []named) {
	for _, f := range fields {
		if f.v < 0 {
			c.add(prefix+f.name, "must not be negative")
		}
	}
}

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	envName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func validateLabel(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("is required")
	case len(s) > maxLabelLen:
		return fmt.Errorf("must be at most %d characters", maxLabelLen)
	case !dnsLabel.MatchString(s):
		return fmt.Errorf("%q must be lower-case letters, digits and '-', starting and ending with a letter or digit", s)
	}
	return nil
}

// Validate checks a spec after WithDefaults and returns a *ValidationError
// listing every problem, or nil.
func (a *App) Validate() error {
	var c checker
	if a.Namespace != DefaultNamespace {
		if err := validateLabel(a.Namespace); err != nil {
			c.add("namespace", "%v", err)
		}
	}
	if err := validateLabel(a.Name); err != nil {
		c.add("name", "%v", err)
	}
	if a.Instances < 0 || a.Instances > MaxInstances {
		c.add("instances", "must be between 0 and %d, not %d", MaxInstances, a.Instances)
	}
	if !(a.CPUs > 0) || a.CPUs > 1024 {
		c.add("cpus", "must be more than 0 and at most 1024, not %g", a.CPUs)
	}
	if !(a.Mem >= 1) {
		c.add("mem", "must be at least 1 (MiB), not %g", a.Mem)
	}
	if a.Disk < 0 {
		c.add("disk", "must not be negative")
	}
	a.validateCommand(&c)
	a.validatePorts(&c)
	for k := range a.Env {
		if !envName.MatchString(k) {
			c.add("env."+k, "is not a valid environment variable name")
		}
	}
	for k, v := range a.Labels {
		if k == "" || len(k) > 253 {
			c.add("labels", "keys must be 1 to 253 characters")
		} else if len(v) > 1024 {
			c.add("labels."+k, "must be at most 1024 characters")
		}
	}
	for i, con := range a.Constraints {
		validateConstraint(&c, fmt.Sprintf("constraints[%d]", i), con)
	}
	a.validateHealthChecks(&c)
	a.validateRestart(&c)
	a.validateStrategy(&c)
	if a.KillGracePeriodSeconds < 0 {
		c.add("killGracePeriodSeconds", "must not be negative")
	}
	if len(c.errs) == 0 {
		if b, err := json.Marshal(a); err != nil {
			c.add("", "cannot be encoded: %v", err)
		} else if len(b) > MaxSpecBytes {
			c.add("", "the spec is %d bytes; at most %d are allowed", len(b), MaxSpecBytes)
		}
	}
	if len(c.errs) == 0 {
		return nil
	}
	return &ValidationError{App: a.Ref().String(), Errors: c.errs}
}

func (a *App) validateCommand(c *checker) {
	if a.Cmd == "" && len(a.Args) == 0 && a.Container == nil {
		c.add("cmd", "a command or a container image is required")
	}
	if a.Container == nil {
		return
	}
	switch a.Container.Type {
	case ContainerDocker, ContainerMesos:
	default:
		c.add("container.type", "must be DOCKER or MESOS, not %q", a.Container.Type)
	}
	if strings.TrimSpace(a.Container.Image) == "" {
		c.add("container.image", "is required")
	} else if strings.ContainsAny(a.Container.Image, " \t\n") {
		c.add("container.image", "must not contain spaces")
	}
	switch a.Container.Network {
	case "HOST", "BRIDGE":
	default:
		c.add("container.network", "must be HOST or BRIDGE, not %q", a.Container.Network)
	}
	if a.Container.Network == "BRIDGE" && a.Container.Type != ContainerDocker {
		c.add("container.network", "BRIDGE needs a DOCKER container")
	}
}

func (a *App) validatePorts(c *checker) {
	if len(a.Ports) > MaxPorts {
		c.add("ports", "at most %d ports are allowed", MaxPorts)
	}
	names := map[string]bool{}
	hostPorts := map[uint32]bool{}
	for i, p := range a.Ports {
		field := fmt.Sprintf("ports[%d]", i)
		if p.Name != "" {
			if err := validateLabel(p.Name); err != nil {
				c.add(field+".name", "%v", err)
			} else if names[p.Name] {
				c.add(field+".name", "%q is used twice", p.Name)
			}
			names[p.Name] = true
		}
		if p.HostPort > 65535 {
			c.add(field+".hostPort", "must be at most 65535")
		} else if p.HostPort != 0 {
			if hostPorts[p.HostPort] {
				c.add(field+".hostPort", "%d is used twice", p.HostPort)
			}
			hostPorts[p.HostPort] = true
		}
		if p.ContainerPort > 65535 {
			c.add(field+".containerPort", "must be at most 65535")
		}
		if p.Protocol != "tcp" && p.Protocol != "udp" {
			c.add(field+".protocol", "must be tcp or udp, not %q", p.Protocol)
		}
	}
}

func validateConstraint(c *checker, field string, con Constraint) {
	if strings.TrimSpace(con.Field) == "" {
		c.add(field+".field", "is required (hostname or an agent attribute)")
	}
	value := field + ".value"
	switch con.Operator {
	case OpUnique:
		if con.Value != "" {
			c.add(value, "UNIQUE takes no value")
		}
	case OpCluster:
	case OpIs:
		if con.Value == "" {
			c.add(value, "IS needs a value")
		}
	case OpLike, OpUnlike:
		if con.Value == "" {
			c.add(value, "%s needs a regular expression", con.Operator)
		} else if _, err := regexp.Compile("^(?:" + con.Value + ")$"); err != nil {
			c.add(value, "is not a valid regular expression: %v", err)
		}
	case OpMaxPer:
		if n, err := strconv.Atoi(con.Value); err != nil || n < 1 {
			c.add(value, "MAX_PER needs a count of at least 1, not %q", con.Value)
		}
	case OpGroupBy:
		if con.Value != "" {
			if n, err := strconv.Atoi(con.Value); err != nil || n < 1 {
				c.add(value, "GROUP_BY takes an optional count of groups of at least 1, not %q", con.Value)
			}
		}
	default:
		c.add(field+".operator", "must be one of UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS; not %q", con.Operator)
	}
}

func (a *App) validateHealthChecks(c *checker) {
	if len(a.HealthChecks) > 1 {
		c.add("healthChecks", "Mesos runs one health check per task; %d given", len(a.HealthChecks))
	}
	for i, h := range a.HealthChecks {
		field := fmt.Sprintf("healthChecks[%d]", i)
		switch strings.TrimPrefix(strings.ToUpper(h.Protocol), "MESOS_") {
		case CheckHTTP, CheckHTTPS:
			if h.Path != "" && !strings.HasPrefix(h.Path, "/") {
				c.add(field+".path", "must start with /")
			}
			fallthrough
		case CheckTCP:
			if h.PortIndex < 0 || h.PortIndex >= len(a.Ports) {
				c.add(field+".portIndex", "%d names no port (the application has %d)", h.PortIndex, len(a.Ports))
			}
		case CheckCommand:
			if strings.TrimSpace(h.Command) == "" {
				c.add(field+".command", "is required for a COMMAND check")
			}
		default:
			c.add(field+".protocol", "must be HTTP, HTTPS, TCP or COMMAND, not %q", h.Protocol)
		}
		c.nonNegative(field+".", []named{{"gracePeriodSeconds", h.GracePeriodSeconds}, {"intervalSeconds", h.IntervalSeconds},
			{"timeoutSeconds", h.TimeoutSeconds}, {"maxConsecutiveFailures", h.MaxConsecutiveFailures}})
	}
}

func (a *App) validateRestart(c *checker) {
	r := a.RestartPolicy
	switch r.Policy {
	case RestartOnFailure, RestartAlways, RestartNever:
	default:
		c.add("restartPolicy.policy", "must be OnFailure, Always or Never, not %q", r.Policy)
	}
	c.nonNegative("restartPolicy.", []named{{"intervalSeconds", r.IntervalSeconds}, {"backoffSeconds", r.BackoffSeconds},
		{"maxDelaySeconds", r.MaxDelaySeconds}, {"maxTimes", r.MaxTimes}})
}

func (a *App) validateStrategy(c *checker) {
	for _, f := range []struct {
		name string
		v    IntOrPercent
	}{{"maxSurge", a.UpgradeStrategy.MaxSurge}, {"maxUnavailable", a.UpgradeStrategy.MaxUnavailable}} {
		name, v := f.name, f.v
		switch {
		case v.value < 0:
			c.add("upgradeStrategy."+name, "must not be negative")
		case v.percent && v.value > 100:
			c.add("upgradeStrategy."+name, "must be at most 100%%")
		}
	}
}
