package streams

import "testing"

// TestExitStatus reads the statuses a kubelet sends on channel 3.
func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		payload, status string
		code            int
	}{
		{`{"metadata":{},"status":"Success"}`, "exit 0", 0},
		{`{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`, "exit 3", 3},
		{`{"metadata":{},"status":"Failure","message":"container not found","reason":"InternalError"}`, "error: container not found", -1},
		{`not json`, "error: unreadable status", -1},
	} {
		status, code := exitStatus([]byte(tc.payload))
		if status != tc.status || (code == nil) != (tc.code < 0) || (code != nil && *code != tc.code) {
			t.Errorf("%s: %q %v, want %q %d", tc.payload, status, code, tc.status, tc.code)
		}
	}
}
