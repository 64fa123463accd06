package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID takes the client's X-Request-ID when it is sane, otherwise makes
// one, and carries it in the response, the context and every log line.
func requestIDMiddleware(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !saneRequestID.MatchString(id) {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Header("X-Request-ID", id)
	c.Request = c.Request.WithContext(audit.WithRequestID(c.Request.Context(), id))
	c.Next()
}

func requestID(c *gin.Context) string {
	return audit.RequestIDFrom(c.Request.Context())
}

// accessLog writes one structured line per request.
func (h *handlers) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
		slog.Int("bytes", c.Writer.Size()),
		slog.String("request_id", requestID(c)),
		slog.String("client_ip", c.ClientIP()),
	}
	if p, ok := identity.PrincipalFrom(c.Request.Context()); ok {
		attrs = append(attrs, slog.String("principal", p.Name), slog.String("subject", p.Subject))
	}
	// An outage's 503 is logged once per burst (outageLog), and a client
	// that went away (499) is no failure of the service.
	level := slog.LevelInfo
	if s := c.Writer.Status(); s >= 500 && s != http.StatusServiceUnavailable {
		level = slog.LevelError
	}
	h.log.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

// recoverer turns a panic into a logged problem-details 500.
func (h *handlers) recoverer(c *gin.Context) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(r)
		}
		h.log.ErrorContext(c.Request.Context(), "panic", slog.String("request_id", requestID(c)),
			slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		if !c.Writer.Written() {
			h.fail(c, &apperr.Error{Kind: apperr.Internal, Err: errors.New("panic")})
		}
		c.Abort()
	}()
	c.Next()
}

// metrics counts requests by route and status and times them.
func (h *handlers) metrics(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	h.m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	h.m.latency.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

var errInactive = apperr.Coded(apperr.Unauthenticated, "request.caller_disabled")

var errNoToken = apperr.Coded(apperr.Unauthenticated, "request.token_required")

// authenticate requires a valid bearer token and puts its principal in the
// request context.
func (h *handlers) authenticate(c *gin.Context) error {
	header := c.GetHeader("Authorization")
	if header == "" {
		return errNoToken
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errNoToken
	}
	p, issued, err := h.tokens.Check(strings.TrimSpace(token))
	if err != nil {
		return err
	}
	// A disabled user or client, or a user whose tokens were ended (a new
	// password, a refresh token's reuse), loses them within the cache's life.
	if active, err := h.auth.Active(c.Request.Context(), p, issued); err != nil || !active {
		if err == nil {
			err = errInactive
		}
		return err
	}
	c.Request = c.Request.WithContext(identity.WithPrincipal(c.Request.Context(), p))
	return nil
}
