package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
)

// attachmentOf uploads a new file to p as the administrator.
func (m *matrix) attachmentOf(t *testing.T, p *api.Project) api.Attachment {
	t.Helper()
	r := uploadTo(t, p.ID, []field{{"kind", "permit"}, {"note", fmt.Sprintf("matrix %d", m.next())}}, "a.pdf", attachmenttest.PDF())
	var a api.Attachment
	m.admin(t, r).decode(t, &a)
	return a
}

// attachmentMatrixRows are the files' routes: uploaded and withdrawn by
// whoever may change the project, read by whoever may read it.
func attachmentMatrixRows() map[string]matrixRow {
	return map[string]matrixRow{
		"POST /api/v1/projects/:id/attachments": {rule: writeRule(http.StatusCreated), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				return uploadTo(t, p.ID, []field{{"kind", "permit"}, {"note", fmt.Sprintf("matrix %d", m.next())}}, "a.pdf", attachmenttest.PDF())
			}},
		"GET /api/v1/projects/:id/attachments": {rule: readRule(http.StatusOK), project: true,
			req: func(_ *testing.T, _ *matrix, _ who, p *api.Project) request {
				return request{method: http.MethodGet, path: projectPath(p, "/attachments?include_withdrawn=true")}
			}},
		"GET /api/v1/attachments/:id": {rule: readRule(http.StatusOK), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				return request{method: http.MethodGet, path: "/api/v1/attachments/" + m.attachmentOf(t, p).ID}
			}},
		"GET /api/v1/attachments/:id/content": {rule: readRule(http.StatusOK), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				return request{method: http.MethodGet, path: "/api/v1/attachments/" + m.attachmentOf(t, p).ID + "/content"}
			}},
		"POST /api/v1/attachments/:id/withdrawal": {rule: writeRule(http.StatusOK), project: true,
			req: func(t *testing.T, m *matrix, _ who, p *api.Project) request {
				return request{method: http.MethodPost, path: "/api/v1/attachments/" + m.attachmentOf(t, p).ID + "/withdrawal",
					body: api.AttachmentWithdrawal{Reason: "传错了"}}
			}},
	}
}
