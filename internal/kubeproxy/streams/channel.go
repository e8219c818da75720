package streams

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The websocket subprotocols relayed here, most preferred first. Both frame
// every binary message as one channel byte, then data; v5 adds a close
// signal (channel 255). The base64 variants are not offered: kubectl never
// asks for them.
var relayedProtocols = []string{"v5.channel.k8s.io", "v4.channel.k8s.io"}

// Channels of the channel.k8s.io protocols.
const (
	chanStdin  = 0
	chanStdout = 1
	chanStderr = 2
	chanError  = 3 // a metav1.Status when the command ends
	chanResize = 4 // {"Width":…,"Height":…}
)

// pickProtocol chooses our most preferred subprotocol the client offers.
func pickProtocol(offered []string) string {
	for _, p := range relayedProtocols {
		for _, o := range offered {
			if o == p {
				return p
			}
		}
	}
	return ""
}

// statusFrame is a channel-3 message ending the session with a Status, the
// way the API server ends one: kubectl prints its message.
func statusFrame(reason metav1.StatusReason, code int32, message string) []byte {
	st := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Reason:   reason,
		Code:     code,
		Message:  message,
	}
	body, _ := json.Marshal(st) // a plain struct: cannot fail
	return append([]byte{chanError}, body...)
}

// exitStatus reads the command's outcome from a channel-3 message: "exit 0"
// and 0 for Success, "exit N" for NonZeroExitCode, the message otherwise.
func exitStatus(payload []byte) (string, *int) {
	var st metav1.Status
	if err := json.Unmarshal(payload, &st); err != nil {
		return "error: unreadable status", nil
	}
	if st.Status == metav1.StatusSuccess {
		code := 0
		return "exit 0", &code
	}
	if st.Reason == "NonZeroExitCode" && st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Type == "ExitCode" {
				if code, err := strconv.Atoi(c.Message); err == nil {
					return fmt.Sprintf("exit %d", code), &code
				}
			}
		}
	}
	return "error: " + st.Message, nil
}

// writeStatus answers a plain HTTP request with a Kubernetes Status, which
// kubectl prints as it would the API server's.
func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, message string) {
	st := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Reason:   reason,
		Code:     int32(code),
		Message:  message,
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(st)
}
