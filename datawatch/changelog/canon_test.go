package changelog

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, "", "plain", "quote\" back\\slash", "<html>&", "tab\tnew\nline", "ünïcødé", "\u2028", "bad \xff utf8",
		true, false, 0.0, 1.0, -3.0, 0.5, 1e20, 1e21, 1e-7, 123456789.125, math.MaxInt64, int32(-7), int64(1) << 60,
		json.Number("12.50"), json.Number("1e3"),
		map[string]any{"b": 1, "a": []any{"x", 2.5, nil, map[string]any{"z": false, "<": ">"}}, "": map[string]any(nil)},
		[]any(nil), []any{}, map[string]any{},
		map[string]string{"k": "v", "a": "<b>"}, []string{"x", "y"}, []int{1, 2},
		struct{ A int }{3},
	}
	for _, v := range values {
		want, werr := json.Marshal(v)
		got, gerr := marshal(v)
		if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
			t.Errorf("marshal(%#v) = %s, %v; json.Marshal = %s, %v", v, got, gerr, want, werr)
		}
	}
}
