// Package netpolicy is the cluster-address policy: the networks BCS may
// dial on behalf of users who are not platform admins (`bcs serve
// --cluster-networks`). Without it, anyone who may create a project could
// make the server connect to its own loopback services or to a cloud
// metadata endpoint by registering a cluster there, and read the answers
// back from error messages.
//
// The policy is enforced on the connection, not on the name: Dialer checks
// the resolved address in net.Dialer's Control function, just before each
// connect, so a name that resolves somewhere else later (DNS rebinding), a
// redirect, or a second address of the same name is checked as well.
//
// A nil *Policy permits everything (platform admins' clusters).
package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// Policy says which addresses may be dialled.
type Policy struct {
	allow, deny []netip.Prefix
}

// ErrForbidden is wrapped by every refusal.
var ErrForbidden = errors.New("address outside the cluster networks")

// Denied by default: loopback, "this network", link-local (169.254.169.254
// is the metadata service of AWS, GCP, Azure, OpenStack and Oracle), the
// unspecified addresses, and other clouds' metadata addresses.
var defaultDeny = mustPrefixes(
	"0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
	"100.100.100.200/32", // Alibaba Cloud metadata
	"::/128", "::1/128", "fe80::/10",
	"fd00:ec2::254/128", // AWS metadata over IPv6
)

// Default permits every address except those of defaultDeny.
func Default() *Policy {
	return &Policy{allow: mustPrefixes("0.0.0.0/0", "::/0"), deny: defaultDeny}
}

// Parse builds the policy of --cluster-networks: exactly the given CIDRs
// (e.g. 10.0.0.0/8, or 127.0.0.0/8 for local test clusters); none means
// Default.
func Parse(cidrs []string) (*Policy, error) {
	if len(cidrs) == 0 {
		return Default(), nil
	}
	p := &Policy{}
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		pre, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("cluster networks: %q is not a CIDR (e.g. 10.0.0.0/8): %w", c, err)
		}
		p.allow = append(p.allow, pre.Masked())
	}
	if len(p.allow) == 0 {
		return Default(), nil
	}
	return p, nil
}

// Permits reports whether ip may be dialled. IPv4-mapped IPv6 addresses
// are judged as the IPv4 address they stand for, the unspecified address
// as the loopback it connects to, and IPv6 forms that embed an IPv4
// address (NAT64, 6to4, IPv4-compatible) by that address too.
func (p *Policy) Permits(ip netip.Addr) bool {
	if p == nil {
		return true
	}
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("").Unmap()
	if ip.IsUnspecified() {
		// Connecting to 0.0.0.0 or :: reaches this host.
		if ip.Is4() {
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		} else {
			ip = netip.IPv6Loopback()
		}
	}
	if !p.permits(ip) {
		return false
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return p.permits(v4)
	}
	return true
}

func (p *Policy) permits(ip netip.Addr) bool {
	for _, d := range p.deny {
		if d.Contains(ip) {
			return false
		}
	}
	for _, a := range p.allow {
		if a.Contains(ip) {
			return true
		}
	}
	return false
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	compatible = netip.MustParsePrefix("::/96")
)

// embeddedIPv4 is the IPv4 address that some IPv6 forms carry and that a
// relay or translator would connect to.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip), compatible.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// Check vets an address as net.Dialer's Control function sees it: the
// resolved ip:port about to be connected to.
func (p *Policy) Check(network, address string) error {
	if p == nil {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not an IP address", ErrForbidden, network, address)
	}
	if !p.Permits(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbidden, address)
	}
	return nil
}

// Dialer returns a copy of base (nil: a zero Dialer) that refuses, at
// connect time, every address the policy does not permit; base's own
// Control, if any, runs after the check. A nil policy returns base as is.
func (p *Policy) Dialer(base *net.Dialer) *net.Dialer {
	if base == nil {
		base = &net.Dialer{}
	}
	if p == nil {
		return base
	}
	d := *base
	next := base.Control
	d.ControlContext = nil
	d.Control = func(network, address string, c syscall.RawConn) error {
		if err := p.Check(network, address); err != nil {
			return err
		}
		if next != nil {
			return next(network, address, c)
		}
		return nil
	}
	return &d
}

// String lists the permitted networks, for logs.
func (p *Policy) String() string {
	if p == nil {
		return "any"
	}
	var b strings.Builder
	for i, a := range p.allow {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(a.String())
	}
	if len(p.deny) > 0 {
		b.WriteString(" except ")
		for i, d := range p.deny {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(d.String())
		}
	}
	return b.String()
}

func mustPrefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

// Messages non-admins get for any failure to reach a cluster they
// register: the same whatever happened (nothing listening, a timeout, a
// refused address, an answer that is not the expected API), so that the
// answer tells nothing about what listens where and echoes nothing back.
const (
	UnreachableKubernetes = "the cluster could not be reached or did not answer as a Kubernetes API server with these credentials"
	UnreachableMesos      = "the Mesos masters could not be reached or did not answer as a Mesos master"
)

// Redact is an address as BCS shows it (Cluster.endpoint, logs): a URL
// without its userinfo, so that credentials in a master URL stay sealed.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Not a URL after all: drop whatever precedes an @ in the authority.
		scheme, rest, ok := strings.Cut(raw, "://")
		if i := strings.LastIndex(rest, "@"); ok && i >= 0 {
			return scheme + "://" + rest[i+1:]
		}
		return raw
	}
	if u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// CheckHost resolves host:port and refuses it when none of its addresses
// is permitted. It only answers early for clients that would otherwise
// retry a refused address for a long time (ZooKeeper sessions): the
// Dialer's check at connect time is what enforces the policy.
func (p *Policy) CheckHost(ctx context.Context, hostport string) error {
	if p == nil {
		return nil
	}
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("%w: %q is not host:port", ErrForbidden, hostport)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%w: %s does not resolve", ErrForbidden, host)
	}
	for _, ip := range ips {
		if p.Permits(ip) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrForbidden, hostport)
}
