package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Version is what the simulator reports as its Mesos version: the protocol
// it follows is that of the final Apache Mesos release.
const Version = "1.11.0"

// AgentSpec describes the resources and attributes of simulated agents.
type AgentSpec struct {
	CPUs   float64
	MemMB  float64
	DiskMB float64
	// Ports is the agent's "ports" range resource; empty means none.
	Ports mesos.Ranges
	// Attributes are text attributes. An attribute with several values
	// gives agent i the value i mod len(values), which spreads agents over
	// racks or zones for constraint tests.
	Attributes map[string][]string
}

// Config sets up a simulator. Zero durations take the defaults below, which
// are the real master's where it has one and quick ones otherwise.
type Config struct {
	// Listen is the address Start listens on (default 127.0.0.1:5050).
	Listen string
	// ZK, if set, is zk://host:port[,host:port]/path: the simulator
	// registers there as a master and follows leadership like one.
	ZK string

	Agents int
	Agent  AgentSpec

	// HeartbeatInterval between HEARTBEAT events (Mesos: 15 s).
	HeartbeatInterval time.Duration
	// AllocationInterval between batch allocations (Mesos: 1 s). Offers
	// also go out at once when a framework subscribes or revives and when
	// an agent is added, as the real allocator does.
	AllocationInterval time.Duration
	// OfferTimeout rescinds offers left unanswered this long (0: never,
	// the Mesos default).
	OfferTimeout time.Duration
	// MaxOffersPerFramework caps outstanding offers per framework (0: no
	// cap, like the real allocator).
	MaxOffersPerFramework int

	// TaskStartDelay is STAGING → STARTING, TaskRunDelay STARTING →
	// RUNNING, TaskKillDelay KILLING → KILLED (defaults 20, 30, 20 ms).
	TaskStartDelay time.Duration
	TaskRunDelay   time.Duration
	TaskKillDelay  time.Duration

	// StatusUpdateRetry is the first resend interval of an unacknowledged
	// update, doubling up to StatusUpdateRetryMax (Mesos: 10 s, 10 min).
	StatusUpdateRetry    time.Duration
	StatusUpdateRetryMax time.Duration

	// LaunchFailureRate is the fraction of launches that fail with
	// TASK_FAILED (REASON_CONTAINER_LAUNCH_FAILED) instead of starting.
	LaunchFailureRate float64
	// Seed makes injected failures reproducible (0: seeded from the clock).
	Seed uint64

	// MaxCompletedTasks kept per framework (Mesos: 1000) and
	// MaxCompletedFrameworks kept in all (Mesos: 50).
	MaxCompletedTasks      int
	MaxCompletedFrameworks int

	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:5050"
	}
	def(&c.HeartbeatInterval, 15*time.Second)
	def(&c.AllocationInterval, time.Second)
	def(&c.TaskStartDelay, 20*time.Millisecond)
	def(&c.TaskRunDelay, 30*time.Millisecond)
	def(&c.TaskKillDelay, 20*time.Millisecond)
	def(&c.StatusUpdateRetry, 10*time.Second)
	def(&c.StatusUpdateRetryMax, 10*time.Minute)
	if c.StatusUpdateRetryMax < c.StatusUpdateRetry {
		c.StatusUpdateRetryMax = c.StatusUpdateRetry
	}
	if c.Agent.CPUs == 0 && c.Agent.MemMB == 0 {
		c.Agent.CPUs, c.Agent.MemMB = 4, 8192
	}
	if c.MaxCompletedTasks == 0 {
		c.MaxCompletedTasks = 1000
	}
	if c.MaxCompletedFrameworks == 0 {
		c.MaxCompletedFrameworks = 50
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Agents < 0 {
		errs = append(errs, errors.New("agents must not be negative"))
	}
	if c.Agent.CPUs < 0 || c.Agent.MemMB < 0 || c.Agent.DiskMB < 0 {
		errs = append(errs, errors.New("agent resources must not be negative"))
	}
	if c.LaunchFailureRate < 0 || c.LaunchFailureRate > 1 {
		errs = append(errs, errors.New("launch failure rate must be within [0, 1]"))
	}
	for _, d := range []time.Duration{c.HeartbeatInterval, c.AllocationInterval, c.OfferTimeout,
		c.TaskStartDelay, c.TaskRunDelay, c.TaskKillDelay, c.StatusUpdateRetry} {
		if d < 0 {
			errs = append(errs, errors.New("durations must not be negative"))
			break
		}
	}
	return errors.Join(errs...)
}

// ParsePorts parses "31000-32000[,33000-33100]" into ranges.
func ParsePorts(s string) (mesos.Ranges, error) {
	var rs mesos.Ranges
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, found := strings.Cut(part, "-")
		if !found {
			hi = lo
		}
		b, err1 := strconv.ParseUint(lo, 10, 16)
		e, err2 := strconv.ParseUint(hi, 10, 16)
		if err := errors.Join(err1, err2); err != nil || b > e {
			return nil, fmt.Errorf("bad port range %q", part)
		}
		rs = append(rs, mesos.Value_Range{Begin: b, End: e})
	}
	return rs.Sort().Squash(), nil
}

// ParseAttributes parses "rack=r1|r2|r3;zone=a|b" into an attribute map.
func ParseAttributes(s string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("bad attribute %q (want name=value[|value…])", part)
		}
		out[k] = strings.Split(v, "|")
	}
	return out, nil
}
