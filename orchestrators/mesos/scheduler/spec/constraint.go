package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
)

// Constraint operators, as Marathon's and the original's (MAXPER and
// GROUPBY are accepted as spellings of MAX_PER and GROUP_BY).
const (
	OpUnique  = "UNIQUE"   // at most one task per value of the field
	OpCluster = "CLUSTER"  // all tasks on the given value (or on one value if none given)
	OpGroupBy = "GROUP_BY" // spread evenly over the field's values; Value: how many values to expect
	OpLike    = "LIKE"     // the field matches the regular expression Value
	OpUnlike  = "UNLIKE"   // the field does not match Value
	OpMaxPer  = "MAX_PER"  // at most Value tasks per value of the field
	OpIs      = "IS"       // the field equals Value
)

// FieldHostname selects the agent's hostname; any other field names an
// agent attribute.
const FieldHostname = "hostname"

// Constraint restricts where an application's tasks may run. In JSON it is
// Marathon's array form ["hostname","UNIQUE"] or ["rack","GROUP_BY","3"],
// or an object {"field":…,"operator":…,"value":…}.
type Constraint struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    string `json:"value,omitempty"`
}

// String is the Marathon form, e.g. hostname:UNIQUE or rack:LIKE:r[12].
func (c Constraint) String() string {
	if c.Value == "" {
		return c.Field + ":" + c.Operator
	}
	return c.Field + ":" + c.Operator + ":" + c.Value
}

// MarshalJSON writes the array form.
func (c Constraint) MarshalJSON() ([]byte, error) {
	if c.Value == "" {
		return json.Marshal([]string{c.Field, c.Operator})
	}
	return json.Marshal([]string{c.Field, c.Operator, c.Value})
}

// UnmarshalJSON reads the array or the object form.
func (c *Constraint) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var parts []string
		if err := json.Unmarshal(b, &parts); err != nil {
			return fmt.Errorf("constraint: %w", err)
		}
		if len(parts) < 2 || len(parts) > 3 {
			return fmt.Errorf("constraint %s: want [field, operator] or [field, operator, value]", b)
		}
		*c = Constraint{Field: parts[0], Operator: parts[1]}
		if len(parts) == 3 {
			c.Value = parts[2]
		}
		return nil
	}
	type plain Constraint
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("constraint: %w", err)
	}
	*c = Constraint(p)
	return nil
}

func canonicalOp(op string) string {
	switch op {
	case "MAXPER":
		return OpMaxPer
	case "GROUPBY":
		return OpGroupBy
	}
	return op
}

// Host is what placement knows of an agent: its hostname and attributes
// (text, or scalars, ranges and sets in their Mesos text form).
type Host struct {
	Hostname   string
	Attributes map[string]string
}

// Value returns the host's value for a constraint field.
func (h Host) Value(field string) (string, bool) {
	if field == FieldHostname {
		return h.Hostname, true
	}
	v, ok := h.Attributes[field]
	return v, ok
}

// Placement tracks where one application's tasks are, per constraint field,
// and decides whether another task may go to a host. Count every task that
// still holds a place (not yet terminal), whatever its version.
type Placement struct {
	cs     []Constraint
	counts map[string]map[string]int  // field → value → tasks
	domain map[string]map[string]bool // field → values seen on agents
	re     map[string]*regexp.Regexp
}

// NewPlacement prepares the constraints (which must have passed Validate).
func NewPlacement(cs []Constraint) *Placement {
	p := &Placement{
		counts: map[string]map[string]int{},
		domain: map[string]map[string]bool{},
		re:     map[string]*regexp.Regexp{},
	}
	for _, c := range cs {
		c.Operator = canonicalOp(c.Operator)
		p.cs = append(p.cs, c)
		p.counts[c.Field] = map[string]int{}
		p.domain[c.Field] = map[string]bool{}
		if c.Operator == OpLike || c.Operator == OpUnlike {
			if re, err := regexp.Compile("^(?:" + c.Value + ")$"); err == nil {
				p.re[c.Value] = re
			}
		}
	}
	return p
}

// Empty reports whether there are no constraints to check.
func (p *Placement) Empty() bool { return len(p.cs) == 0 }

// See records an agent's values, so GROUP_BY knows which groups exist.
func (p *Placement) See(h Host) {
	for f, d := range p.domain {
		if v, ok := h.Value(f); ok {
			d[v] = true
		}
	}
}

// Add records a task on h; Remove forgets one.
func (p *Placement) Add(h Host) { p.adjust(h, 1) }

// Remove forgets a task on h.
func (p *Placement) Remove(h Host) { p.adjust(h, -1) }

func (p *Placement) adjust(h Host, d int) {
	for f, m := range p.counts {
		if v, ok := h.Value(f); ok {
			m[v] += d
			if m[v] <= 0 {
				delete(m, v)
			}
			p.domain[f][v] = true
		}
	}
}

// Allows reports whether one more task may go to h, and if not, which
// constraint refuses it.
func (p *Placement) Allows(h Host) (bool, *Constraint) {
	for i := range p.cs {
		if !p.allows(&p.cs[i], h) {
			return false, &p.cs[i]
		}
	}
	return true, nil
}

func (p *Placement) allows(c *Constraint, h Host) bool {
	v, ok := h.Value(c.Field)
	counts := p.counts[c.Field]
	switch c.Operator {
	case OpUnlike:
		return !ok || !p.match(c.Value, v)
	case OpLike:
		return ok && p.match(c.Value, v)
	}
	if !ok {
		return false
	}
	switch c.Operator {
	case OpUnique:
		return counts[v] == 0
	case OpIs:
		return v == c.Value
	case OpCluster:
		if c.Value != "" {
			return v == c.Value
		}
		// Without a value: wherever the first task went.
		for other := range counts {
			if other != v {
				return false
			}
		}
		return true
	case OpMaxPer:
		n, _ := strconv.Atoi(c.Value)
		return counts[v] < n
	case OpGroupBy:
		return counts[v] <= p.minGroup(c)
	}
	return false
}

// minGroup is the smallest count over the field's known values; with a
// Value of n and fewer than n values seen, an unseen group counts 0, so
// tasks wait for offers from it as Marathon's GROUP_BY does.
func (p *Placement) minGroup(c *Constraint) int {
	want, _ := strconv.Atoi(c.Value)
	dom := p.domain[c.Field]
	if want > 0 && len(dom) < want {
		return 0
	}
	counts := p.counts[c.Field]
	lowest := -1
	for v := range dom {
		if n := counts[v]; lowest < 0 || n < lowest {
			lowest = n
		}
	}
	return max(lowest, 0)
}

func (p *Placement) match(expr, v string) bool {
	re := p.re[expr]
	return re != nil && re.MatchString(v)
}
