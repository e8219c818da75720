package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// IntOrPercent is a count or a percentage of the instance count, written
// in JSON as 3 or "25%".
type IntOrPercent struct {
	value   int
	percent bool
	set     bool
}

// Int is an absolute count.
func Int(n int) IntOrPercent { return IntOrPercent{value: n, set: true} }

// Percent is a share of the instance count.
func Percent(p int) IntOrPercent { return IntOrPercent{value: p, percent: true, set: true} }

// IsZero reports an unset value (so that defaults apply); Int(0) is set.
func (v IntOrPercent) IsZero() bool { return !v.set }

// String is "3" or "25%".
func (v IntOrPercent) String() string {
	if v.percent {
		return strconv.Itoa(v.value) + "%"
	}
	return strconv.Itoa(v.value)
}

// Resolve turns the value into a count for total instances, rounding a
// percentage up or down.
func (v IntOrPercent) Resolve(total int, roundUp bool) int {
	if !v.percent {
		return v.value
	}
	f := float64(v.value) * float64(total) / 100
	if roundUp {
		return int(math.Ceil(f))
	}
	return int(math.Floor(f))
}

// ParseIntOrPercent parses "3" or "25%".
func ParseIntOrPercent(s string) (IntOrPercent, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil {
			return IntOrPercent{}, fmt.Errorf("%q is not a percentage", s)
		}
		return Percent(n), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return IntOrPercent{}, fmt.Errorf("%q is neither a count nor a percentage", s)
	}
	return Int(n), nil
}

// MarshalJSON writes a count as a number and a percentage as a string.
func (v IntOrPercent) MarshalJSON() ([]byte, error) {
	if !v.set {
		return []byte("null"), nil
	}
	if v.percent {
		return json.Marshal(v.String())
	}
	return json.Marshal(v.value)
}

// UnmarshalJSON accepts 3, "3" and "25%".
func (v *IntOrPercent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*v = IntOrPercent{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		p, err := ParseIntOrPercent(s)
		if err != nil {
			return err
		}
		*v = p
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a count or a percentage such as \"25%%\": %w", err)
	}
	*v = Int(n)
	return nil
}

// Bounds resolves the strategy for n instances: how many tasks may run
// above n (surge) and how many instances may be unavailable.
func (s UpgradeStrategy) Bounds(n int) (surge, unavailable int) {
	surge = s.MaxSurge.Resolve(n, true)
	unavailable = s.MaxUnavailable.Resolve(n, false)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}
