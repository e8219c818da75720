package sim

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

func rawPost(t *testing.T, url string, header map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Mesos-Stream-Id") != "" {
		return resp.StatusCode, resp.Header, "" // a subscription stream: do not read to the end
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestSchedulerStatusCodes(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	url := srv.URL() + "/api/v1/scheduler"
	fw := subscribe(t, srv, frameworkInfo("codes", mesos.FrameworkInfo_Capability_PARTITION_AWARE), jsonCodec)
	sid := srv.Sim.streamIDOf(fw.id)
	jsonCT := map[string]string{"Content-Type": mediaJSON}
	subscribeBody := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","capabilities":null}}}`
	revive := `{"type":"REVIVE","framework_id":{"value":"` + fw.id + `"}}`

	cases := []struct {
		name   string
		header map[string]string
		body   string
		want   int
		text   string
	}{
		{"no content type", nil, revive, 400, "Content-Type"},
		{"unsupported content type", map[string]string{"Content-Type": "text/plain"}, revive, 415, ""},
		{"recordio request", map[string]string{"Content-Type": "application/recordio"}, revive, 415, ""},
		{"malformed body", jsonCT, `{"type":`, 400, "Failed to parse"},
		{"unknown enum", jsonCT, `{"type":"BOGUS"}`, 400, "Failed to parse"},
		{"subscribe without framework_info", jsonCT, `{"type":"SUBSCRIBE"}`, 400, "Failed to validate"},
		{"subscribe without user", jsonCT, `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n"}}}`, 400, "Failed to validate"},
		{"subscribe ids differ", jsonCT, `{"type":"SUBSCRIBE","framework_id":{"value":"x"},"subscribe":{"framework_info":{"user":"u","name":"n"}}}`, 400, "differs"},
		{"subscribe with stream id", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": sid}, subscribeBody, 400, "Mesos-Stream-Id"},
		{"subscribe unacceptable", map[string]string{"Content-Type": mediaJSON, "Accept": "text/html"}, subscribeBody, 406, ""},
		{"subscribe recordio accept", map[string]string{"Content-Type": mediaJSON, "Accept": "application/recordio"}, subscribeBody, 406, ""},
		{"missing framework_id", jsonCT, `{"type":"REVIVE"}`, 400, "framework_id"},
		{"unknown framework", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": sid}, `{"type":"REVIVE","framework_id":{"value":"nope"}}`, 400, "Framework cannot be found"},
		{"missing stream id", jsonCT, revive, 400, "Mesos-Stream-Id"},
		{"wrong stream id", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": "0b5a1cd6-0000-4000-8000-000000000000"}, revive, 400, "didn't match"},
		{"accept without accept", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": sid}, `{"type":"ACCEPT","framework_id":{"value":"` + fw.id + `"}}`, 400, "'accept'"},
		{"bad ack uuid", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": sid},
			`{"type":"ACKNOWLEDGE","framework_id":{"value":"` + fw.id + `"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AQID"}}`, 400, "UUID"},
		{"unknown call", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": sid}, `{"type":"UNKNOWN","framework_id":{"value":"` + fw.id + `"}}`, 501, ""},
		{"revive", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": sid}, revive, 202, ""},
		{"reconcile operations", map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": sid},
			`{"type":"RECONCILE_OPERATIONS","framework_id":{"value":"` + fw.id + `"},"reconcile_operations":{}}`, 200, "RECONCILE_OPERATIONS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, body := rawPost(t, url, c.header, c.body)
			if code != c.want || !strings.Contains(body, c.text) {
				t.Fatalf("got %d %q, want %d containing %q", code, body, c.want, c.text)
			}
		})
	}

	t.Run("method", func(t *testing.T) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
			t.Fatalf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})

	t.Run("protobuf subscribe stream", func(t *testing.T) {
		code, h, _ := rawPost(t, url, map[string]string{"Content-Type": mediaJSON, "Accept": mediaProtobuf}, subscribeBody)
		if code != 200 || h.Get("Content-Type") != mediaProtobuf || h.Get("Mesos-Stream-Id") == "" {
			t.Fatalf("subscribe: %d %v", code, h)
		}
	})

	t.Run("not subscribed", func(t *testing.T) {
		// failover_timeout keeps the disconnected framework known: 403.
		info := frameworkInfo("gone")
		timeout := 3600.0
		info.FailoverTimeout = &timeout
		other := subscribe(t, srv, info, jsonCodec)
		otherSID := srv.Sim.streamIDOf(other.id)
		if err := srv.DisconnectFramework(other.id); err != nil {
			t.Fatal(err)
		}
		code, _, body := rawPost(t, url, map[string]string{"Content-Type": mediaJSON, "Mesos-Stream-Id": otherSID},
			`{"type":"REVIVE","framework_id":{"value":"`+other.id+`"}}`)
		if code != 403 || !strings.Contains(body, "not subscribed") {
			t.Fatalf("got %d %q, want 403", code, body)
		}
		// mesos-go's client maps 403 to a lost subscription.
		if err := other.call(&scheduler.Call{Type: scheduler.Call_REVIVE}); err == nil {
			t.Fatal("call on a disconnected framework succeeded")
		}
	})

	t.Run("leadership", func(t *testing.T) {
		defer srv.SetMode(ModeLeader, "")
		srv.SetMode(ModeFollower, "10.0.0.9:5050")
		code, h, _ := rawPost(t, url, jsonCT, revive)
		if code != 307 || h.Get("Location") != "//10.0.0.9:5050/api/v1/scheduler" {
			t.Fatalf("follower: %d Location %q", code, h.Get("Location"))
		}
		srv.SetMode(ModeFollower, "")
		if code, _, _ := rawPost(t, url, jsonCT, revive); code != 503 {
			t.Fatalf("no leader: %d, want 503", code)
		}
		srv.SetMode(ModeRecovering, "")
		if code, _, body := rawPost(t, url, jsonCT, revive); code != 503 || !strings.Contains(body, "recovery") {
			t.Fatalf("recovering: %d %q", code, body)
		}
	})
}

func TestClientFollowsRedirect(t *testing.T) {
	leader := startSim(t, quickConfig(1))
	follower := startSim(t, quickConfig(0))
	follower.SetMode(ModeFollower, leader.Addr())
	// mesos-go's httpsched follows the 307 to the leader on SUBSCRIBE.
	fw := subscribe(t, follower, frameworkInfo("redirected"), jsonCodec)
	if len(leader.Summary().Frameworks) != 1 {
		t.Fatal("framework did not reach the leader")
	}
	fw.offers(1)
}
