package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestOpenAPIDocumentServed: /swagger/openapi.yaml is the OpenAPI 3
// document, and the UI's page loads it.
func TestOpenAPIDocumentServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	res := e.do(t, request{method: http.MethodGet, path: "/swagger/openapi.yaml"})
	require.Equal(t, http.StatusOK, res.status, "%s", res)
	assert.Equal(t, "application/yaml; charset=utf-8", res.header.Get("Content-Type"))
	assert.Contains(t, string(res.body), "\nopenapi: 3.0.3\n")
	page := e.do(t, request{method: http.MethodGet, path: "/swagger/swagger-initializer.js"})
	require.Equal(t, http.StatusOK, page.status, "%s", page)
	assert.Contains(t, string(page.body), `url: "openapi.yaml"`)
}

// TestSwaggerUIInBrowser: the Swagger UI shows the OpenAPI 3 document, and
// its Authorize takes a token as issued: a request tried from the page
// carries "Bearer " and the token, and succeeds.
func TestSwaggerUIInBrowser(t *testing.T) {
	path := chromium(t)
	e := newEnv(t, dbtest.SQLite(t))
	e.newUser(t, "swagger.bureau", "bureau", "")
	token := e.signIn(t, "swagger.bureau", userPassword).AccessToken
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	b := newBrowser(t, path)

	b.do(t, "open the UI", chromedp.Navigate(srv.URL+"/swagger/index.html"),
		chromedp.WaitVisible(chromedp.CSS(".swagger-ui .info .title")))
	// The UI labels the version it read ("OAS 3.0"), which a Swagger 2.0
	// document would not have.
	assert.Contains(t, b.text(t, ".swagger-ui .info .title"), "OAS 3.0")

	b.do(t, "authorize with the token as issued",
		chromedp.Click(chromedp.CSS(".swagger-ui .auth-wrapper .authorize")),
		chromedp.WaitVisible(chromedp.CSS(".swagger-ui .modal-ux input[type=text]")),
		chromedp.SendKeys(chromedp.CSS(".swagger-ui .modal-ux input[type=text]"), token),
		chromedp.Click(chromedp.CSS(".swagger-ui .modal-ux .auth-btn-wrapper .modal-btn.authorize")),
		chromedp.Click(chromedp.CSS(".swagger-ui .modal-ux .btn-done")))

	op := "#operations-meta-meta"
	b.do(t, "try GET /api/v1/meta",
		chromedp.Click(chromedp.CSS(op+" .opblock-summary")),
		chromedp.Click(chromedp.CSS(op+" .try-out__btn")),
		chromedp.Click(chromedp.CSS(op+" .execute")))
	status, err := chromedp.Run(b.ctx, chromedp.Poll[string](
		fmt.Sprintf(`document.querySelector(%s)?.textContent || null`, jsQuote(op+" .live-responses-table tbody .response-col_status")),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "no answer shown; the page says: %s", b.text(t, "body"))
	assert.Equal(t, "200", strings.TrimSpace(status))
	assert.Contains(t, b.text(t, op+" .curl-command"), "Authorization: Bearer "+token)
}
