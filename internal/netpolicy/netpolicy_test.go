package netpolicy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestDefaultPolicy(t *testing.T) {
	p := Default()
	for addr, want := range map[string]bool{
		"10.1.2.3":               true,
		"192.168.0.10":           true,
		"8.8.8.8":                true,
		"2001:db8::1":            true,
		"127.0.0.1":              false,
		"127.8.9.10":             false,
		"0.0.0.0":                false,
		"0.1.2.3":                false,
		"169.254.169.254":        false,
		"169.254.1.1":            false,
		"100.100.100.200":        false,
		"::1":                    false,
		"::":                     false,
		"fe80::1":                false,
		"fe80::1%eth0":           false,
		"fd00:ec2::254":          false,
		"::ffff:127.0.0.1":       false, // IPv4-mapped
		"::ffff:169.254.169.254": false,
		"64:ff9b::a9fe:a9fe":     false, // NAT64 of 169.254.169.254
		"2002:7f00:1::1":         false, // 6to4 of 127.0.0.1
		"::127.0.0.1":            false, // IPv4-compatible
		"::ffff:10.0.0.1":        true,
		"64:ff9b::808:808":       true,
	} {
		if got := p.Permits(netip.MustParseAddr(addr)); got != want {
			t.Errorf("default policy permits %s = %v, want %v", addr, got, want)
		}
	}
	if p.Permits(netip.Addr{}) {
		t.Error("the zero address is permitted")
	}
	var none *Policy
	if !none.Permits(netip.MustParseAddr("127.0.0.1")) || none.Check("tcp", "127.0.0.1:22") != nil {
		t.Error("a nil policy (admins) refuses loopback")
	}
}

func TestParse(t *testing.T) {
	p, err := Parse([]string{"127.0.0.0/8", " 10.0.0.0/8 "})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"127.0.0.1": true, "::ffff:127.0.0.1": true, "0.0.0.0": true,
		"10.9.9.9": true, "192.168.1.1": false, "169.254.169.254": false, "::1": false} {
		if got := p.Permits(netip.MustParseAddr(addr)); got != want {
			t.Errorf("127.0.0.0/8,10.0.0.0/8 permits %s = %v, want %v", addr, got, want)
		}
	}
	if _, err := Parse([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad CIDR was accepted")
	}
	if p, _ := Parse(nil); p.Permits(netip.MustParseAddr("127.0.0.1")) {
		t.Error("no networks given is not the default policy")
	}
}

func TestCheckRefusesNonIPAddresses(t *testing.T) {
	if err := Default().Check("unix", "/var/run/docker.sock"); !errors.Is(err, ErrForbidden) {
		t.Errorf("unix socket: %v", err)
	}
}

// The check runs on the resolved address at connect time: a name that
// resolves to loopback is refused although the name itself looks harmless,
// and the refusal comes before any packet is sent.
func TestDialerRefusesAtConnectTime(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	d := Default().Dialer(&net.Dialer{Timeout: 2 * time.Second})
	for _, host := range []string{"127.0.0.1", "localhost", "::ffff:127.0.0.1"} {
		conn, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		if err == nil {
			conn.Close()
			t.Fatalf("dialled %s", host)
		}
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", host, err)
		}
	}
	select {
	case <-accepted:
		t.Fatal("a refused dial reached the listener")
	default:
	}
	// Admins (nil policy) and a policy that lists loopback connect.
	lo, _ := Parse([]string{"127.0.0.0/8"})
	for _, p := range []*Policy{nil, lo} {
		conn, err := p.Dialer(nil).DialContext(context.Background(), "tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("policy %v: %v", p, err)
		}
		conn.Close()
	}
}

// A redirect from a permitted address to a refused one is refused: every
// connection goes through the dialer.
func TestRedirectsAreChecked(t *testing.T) {
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("secret"))
	}))
	defer inside.Close()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	outside := httptest.NewUnstartedServer(http.RedirectHandler(inside.URL, http.StatusFound))
	outside.Listener.Close()
	outside.Listener = ln
	outside.Start()
	defer outside.Close()

	p, _ := Parse([]string{"127.0.0.2/32"})
	client := &http.Client{Transport: &http.Transport{DialContext: p.Dialer(nil).DialContext}}
	res, err := client.Get(outside.URL)
	if err == nil {
		res.Body.Close()
		t.Fatal("followed a redirect to a refused address")
	}
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("redirect: %v, want ErrForbidden", err)
	}
}

// BenchmarkCheck is the cost the policy adds to each connection.
func BenchmarkCheck(b *testing.B) {
	p := Default()
	for b.Loop() {
		if err := p.Check("tcp", "10.1.2.3:6443"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"http://ops:s3cret@10.0.0.5:5050":      "http://10.0.0.5:5050",
		"zk://u:p@zk1:2181,zk2:2181/mesos":     "zk://zk1:2181,zk2:2181/mesos",
		"https://10.0.0.6:6443":                "https://10.0.0.6:6443",
		"http://ops:bad%zz@10.0.0.5:5050/path": "http://10.0.0.5:5050/path",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
