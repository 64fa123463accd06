package webhook_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/webhook"
)

func TestRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		addr    string
		refused bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true},
		{"10.0.0.1", true}, {"10.255.255.255", true},
		{"172.16.0.1", true}, {"172.31.255.255", true}, {"172.32.0.1", false}, {"172.15.255.255", false},
		{"192.168.1.1", true}, {"192.169.0.1", false},
		{"169.254.169.254", true}, {"fe80::1", true}, {"fe80::1%eth0", true},
		{"100.64.0.1", true}, {"100.127.255.255", true}, {"100.128.0.1", false}, {"100.63.255.255", false},
		{"0.0.0.0", true}, {"0.1.2.3", true}, {"::", true},
		{"fc00::1", true}, {"fd12:3456::1", true},
		{"224.0.0.1", true}, {"239.255.255.250", true}, {"ff02::1", true}, {"255.255.255.255", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.1.2.3", true}, {"::ffff:169.254.169.254", true}, {"::ffff:192.168.0.1", true},
		{"::ffff:8.8.8.8", false},
		{"8.8.8.8", false}, {"1.1.1.1", false}, {"2001:4860:4860::8888", false}, {"93.184.216.34", false},
		// IPv6 forms that carry an IPv4 address a gateway reaches: refused
		// as that address is.
		{"64:ff9b::a00:1", true}, {"64:ff9b::a9fe:a9fe", true}, {"64:ff9b::808:808", false},
		{"64:ff9b:1::808:808", true}, {"2002:a00:1::1", true}, {"2002:7f00:1::", true}, {"2002:808:808::1", false},
		{"::a00:1", true}, {"::7f00:1", true},
		// Reserved for protocols, benchmarking and documentation.
		{"192.0.0.1", true}, {"198.18.0.1", true}, {"198.19.255.255", true}, {"198.20.0.1", false},
		{"192.0.2.1", true}, {"198.51.100.1", true}, {"203.0.113.7", true}, {"2001:db8::1", true},
		{"240.0.0.1", true},
	} {
		addr := netip.MustParseAddr(tt.addr)
		assert.Equal(t, tt.refused, webhook.Refused(addr), tt.addr)
	}
	assert.True(t, webhook.Refused(netip.Addr{}), "no address at all")
}

// resolver answers from a table, as DNS would.
func resolver(names map[string][]string) webhook.Resolver {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		list, ok := names[host]
		if !ok {
			return nil, errors.New("no such host")
		}
		out := make([]netip.Addr, len(list))
		for i, a := range list {
			out[i] = netip.MustParseAddr(a)
		}
		return out, nil
	}
}

func TestTargetsCheck(t *testing.T) {
	t.Parallel()
	dns := resolver(map[string][]string{
		"receiver.example":    {"93.184.216.34"},
		"internal.example":    {"10.0.0.5"},
		"sneaky.example":      {"93.184.216.35", "127.0.0.1"},
		"metadata.example":    {"169.254.169.254"},
		"mapped.example":      {"::ffff:192.168.0.10"},
		"v6.example":          {"2606:4700:4700::1111"},
		"carrier-nat.example": {"100.64.1.1"},
	})
	strict := webhook.Targets{Lookup: dns}
	open := webhook.Targets{Lookup: dns, AllowPrivate: true}
	tests := []struct {
		name    string
		targets webhook.Targets
		url     string
		code    string // the field error of url; "" admits the URL
	}{
		{"https", strict, "https://receiver.example/hook", ""},
		{"http with a port and a query", strict, "http://receiver.example:8443/hook?x=1", ""},
		{"a public address", strict, "https://93.184.216.34/hook", ""},
		{"a public IPv6 address", strict, "https://[2606:4700:4700::1111]/hook", ""},
		{"empty", strict, "", "required"},
		{"ftp", strict, "ftp://receiver.example/hook", "invalid_value"},
		{"file", strict, "file:///etc/passwd", "invalid_format"},
		{"javascript", strict, "javascript:alert(1)", "invalid_format"},
		{"no scheme", strict, "receiver.example/hook", "invalid_format"},
		{"credentials", strict, "https://user:pw@receiver.example/hook", "credentials"},
		{"a user alone", strict, "https://user@receiver.example/hook", "credentials"},
		{"a fragment", strict, "https://receiver.example/hook#x", "invalid_format"},
		{"loopback", strict, "http://127.0.0.1:8080/hook", "refused_address"},
		{"localhost", strict, "http://localhost:8080/hook", "refused_address"},
		{"a name under localhost", strict, "http://app.localhost/hook", "refused_address"},
		{"IPv6 loopback", strict, "http://[::1]/hook", "refused_address"},
		{"private", strict, "http://192.168.1.20/hook", "refused_address"},
		{"link-local metadata", strict, "http://169.254.169.254/latest/meta-data", "refused_address"},
		{"carrier-grade NAT", strict, "http://100.64.0.1/hook", "refused_address"},
		{"this network", strict, "http://0.0.0.0:8080/hook", "refused_address"},
		{"IPv4-mapped IPv6", strict, "http://[::ffff:127.0.0.1]/hook", "refused_address"},
		{"a name resolving to a private address", strict, "https://internal.example/hook", "refused_address"},
		{"a name with one private address among others", strict, "https://sneaky.example/hook", "refused_address"},
		{"a name resolving to the metadata address", strict, "https://metadata.example/hook", "refused_address"},
		{"a name resolving to mapped IPv6", strict, "https://mapped.example/hook", "refused_address"},
		{"a name resolving to carrier-grade NAT", strict, "https://carrier-nat.example/hook", "refused_address"},
		{"a name that does not resolve", strict, "https://nowhere.example/hook", "unresolvable"},
		{"loopback when private targets are allowed", open, "http://127.0.0.1:8080/hook", ""},
		{"a private name when allowed", open, "https://internal.example/hook", ""},
		{"still http(s) only when allowed", open, "gopher://127.0.0.1/", "invalid_value"},
		{"still no credentials when allowed", open, "http://a:b@127.0.0.1/", "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.targets.Check(context.Background(), tt.url)
			if tt.code == "" {
				require.NoError(t, err)
				return
			}
			e := apperr.As(err)
			require.Equal(t, apperr.Invalid, e.Kind, "%v", err)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, "url", e.Fields[0].Field)
			assert.Equal(t, tt.code, e.Fields[0].Code)
		})
	}
}
