package httpapi

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/rs/cors"

	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/sheet"
)

// wrapTransport puts compression and CORS around the engine (docs/api.md,
// "HTTP").
func wrapTransport(cfg config.Config, engine http.Handler) (http.Handler, error) {
	gz, err := gzhttp.NewWrapper(
		// The ETag stays as the handler set it, so that a tag read from a
		// compressed answer is the one If-Match and If-None-Match compare.
		gzhttp.SuffixETag(""),
		// Below a packet, compressing saves nothing worth the work.
		gzhttp.MinSize(1024),
		gzhttp.EnableZstd(false),
		gzhttp.ContentTypeFilter(compressible),
	)
	if err != nil {
		return nil, err
	}
	h := http.Handler(gz(engine))
	if len(cfg.CORSOrigins) > 0 {
		h = corsPolicy(cfg.CORSOrigins).Handler(h)
	}
	return h, nil
}

// compressible leaves out what is compressed already: an XLSX file is a zip.
func compressible(contentType string) bool {
	return !strings.HasPrefix(contentType, sheet.XLSXType) && gzhttp.DefaultContentTypeFilter(contentType)
}

// corsPolicy admits the configured origins: a preflight from one answers 204
// with what it may send, and its answers expose the headers a client reads.
func corsPolicy(origins []string) *cors.Cors {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{
			http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		},
		AllowedHeaders: []string{
			"Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "Accept-Language",
		},
		ExposedHeaders:       []string{"ETag", "Location", "X-Request-ID", "Retry-After"},
		MaxAge:               600,
		OptionsSuccessStatus: http.StatusNoContent,
	})
}
