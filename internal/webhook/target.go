package webhook

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
)

// MaxURLLength is the longest target URL a subscription may have.
const MaxURLLength = 2000

// refusedRanges are the addresses a delivery is never sent to unless the
// operator allows private targets (docs/integration.md, "Safe targets"):
// the machine itself, private networks, link-local (cloud metadata among
// them), carrier-grade NAT, "this network", the IETF's protocol
// assignments, benchmarking, documentation, multicast and reserved.
var refusedRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64: inside by definition
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// The IPv6 prefixes whose addresses carry an IPv4 address that a gateway
// or the host's own stack reaches: IPv4-compatible (::a.b.c.d), the
// well-known NAT64 prefix (64:ff9b::a.b.c.d) and 6to4 (2002:a.b.c.d::/48).
var (
	compatible = netip.MustParsePrefix("::/96")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
)

// embedded returns the IPv4 address an IPv6 address carries, if any.
func embedded(addr netip.Addr) (netip.Addr, bool) {
	b := addr.As16()
	switch {
	case !addr.Is6():
		return netip.Addr{}, false
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case compatible.Contains(addr), nat64.Contains(addr):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	}
	return netip.Addr{}, false
}

// Refused reports whether a delivery may not be sent to addr: an address of
// refusedRanges, also when written as IPv4-mapped IPv6 (::ffff:10.0.0.1),
// one whose embedded IPv4 address (IPv4-compatible, NAT64, 6to4) is
// refused, or one that is not valid.
func Refused(addr netip.Addr) bool {
	if !addr.IsValid() {
		return true
	}
	addr = addr.Unmap().WithZone("")
	if v4, ok := embedded(addr); ok {
		return Refused(v4)
	}
	for _, p := range refusedRanges {
		if p.Contains(addr) {
			return true
		}
	}
	return addr.IsUnspecified() || addr.IsLoopback() || addr.IsMulticast() ||
		addr.IsLinkLocalUnicast() || addr.IsPrivate()
}

// Resolver looks up the addresses of a host name.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// Targets checks the URL a subscription names.
type Targets struct {
	// AllowPrivate admits refused addresses (a receiver inside the
	// county's network, or a test's loopback receiver).
	AllowPrivate bool
	// Lookup resolves host names; nil admits names unchecked (the
	// sender's dialer checks every address it connects to anyway).
	Lookup Resolver
}

func urlError(code, param string) error {
	return apperr.Fields([]apperr.FieldError{{Field: "url", Code: code, Param: param}})
}

// Check refuses a target URL that a delivery may not go to: not http or
// https, with user credentials, without a host, too long, or naming (or
// resolving to) a refused address unless AllowPrivate. It is the check at
// registration; the dialer checks each connection again, since a name may
// resolve elsewhere later.
func (t Targets) Check(ctx context.Context, raw string) error {
	if raw == "" {
		return urlError("required", "")
	}
	if len(raw) > MaxURLLength || !utf8.ValidString(raw) {
		return urlError("too_long", "2000")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return urlError("invalid_format", "http(s)://host/path")
	case u.Scheme != "http" && u.Scheme != "https":
		return urlError("invalid_value", "http,https")
	case u.User != nil:
		return urlError("credentials", "")
	case u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n"):
		return urlError("invalid_format", "http(s)://host/path")
	}
	if t.AllowPrivate {
		return nil
	}
	return t.checkHost(ctx, u.Hostname())
}

// checkHost refuses a host that is, or resolves to, a refused address.
func (t Targets) checkHost(ctx context.Context, host string) error {
	if addr, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if Refused(addr) {
			return urlError("refused_address", addr.String())
		}
		return nil
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return urlError("refused_address", host)
	}
	if t.Lookup == nil {
		return nil
	}
	addrs, err := t.Lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		return urlError("unresolvable", host)
	}
	for _, a := range addrs {
		if Refused(a) {
			return urlError("refused_address", host+" → "+a.Unmap().String())
		}
	}
	return nil
}
