// Package send posts webhook deliveries over HTTP to their receivers,
// safely (docs/integration.md, "Safe targets"): http and https only, no
// redirect followed, no proxy from the environment, a timeout, and every
// address checked when it is dialled, so that a name resolving to a
// private address, now or later, reaches nothing inside.
package send

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/guangling/pipeline/internal/webhook"
)

// ErrRefusedAddress is the error of a dial to a refused address.
var ErrRefusedAddress = errors.New("send: the target's address is refused (loopback, private, link-local or the like)")

// userAgent names the sender to receivers.
const userAgent = "pipeline-webhooks/1"

// Sender implements webhook.Sender.
type Sender struct {
	client *http.Client
}

var _ webhook.Sender = (*Sender)(nil)

// Options configure a Sender.
type Options struct {
	// Timeout bounds an attempt: connecting, sending and the receiver's
	// answer.
	Timeout time.Duration
	// AllowPrivate admits refused addresses.
	AllowPrivate bool
	// Resolver resolves names; nil uses the system's.
	Resolver *net.Resolver
}

// Control refuses a connection to a refused address. It runs for every
// address the dialer tries, after the name was resolved, so it holds
// whatever the name resolves to at that moment.
func Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || webhook.Refused(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrRefusedAddress, address)
	}
	return nil
}

// New returns a Sender.
func New(o Options) *Sender {
	d := &net.Dialer{Timeout: o.Timeout, Resolver: o.Resolver}
	if !o.AllowPrivate {
		d.Control = Control
	}
	tr := &http.Transport{
		Proxy:                 nil, // never a proxy from the environment
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
	}
	return &Sender{client: &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		// A redirect is the receiver's answer, not followed: a 3xx is a
		// failed attempt.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Send posts body to target with the headers and returns the receiver's
// status. Up to 64 KiB of the answer is read, so that the connection can be
// used again, and dropped.
func (s *Sender) Send(ctx context.Context, target string, header map[string]string, body []byte) (int, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return 0, errors.New("send: the target is not an http(s) URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", userAgent)
	res, err := s.client.Do(req)
	if err != nil {
		return 0, cause(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

// cause is what an attempt's log says of a failed request: the refused
// address, the timeout, or the transport's error without the method.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		switch {
		case errors.Is(ue.Err, ErrRefusedAddress):
			return ue.Err
		case ue.Timeout():
			return errors.New("send: no answer within the timeout")
		}
		return ue.Err
	}
	return err
}

// Lookup resolves a name with r (the system's when nil), for the check of a
// target at registration (webhook.Targets).
func Lookup(r *net.Resolver) webhook.Resolver {
	if r == nil {
		r = net.DefaultResolver
	}
	return func(ctx context.Context, host string) ([]netip.Addr, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return r.LookupNetIP(ctx, "ip", host)
	}
}
