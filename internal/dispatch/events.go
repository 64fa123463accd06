package dispatch

import (
	"context"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Recorder records a change in the change feed, in the transaction carried
// by ctx (event.Service).
type Recorder interface {
	Record(ctx context.Context, p identity.Principal, c event.Change) error
}

type noEvents struct{}

func (noEvents) Record(context.Context, identity.Principal, event.Change) error { return nil }

// ResourceReport is the change feed's resource type of a monthly report,
// whose ID is "<period>/<project ID>".
const ResourceReport = "report"

// recordReport stages the event typ of project pr's report r, changed from
// before (nil when new): told to the project's departments and to dept, the
// department the report is owed by (empty for a report outside the plan).
func (s *Service) recordReport(ctx context.Context, p identity.Principal, pr *project.Project, typ, dept string, before, r *Report) error {
	was, _ := view(before).(map[string]any)
	is, _ := view(r).(map[string]any)
	return s.events.Record(ctx, p, event.Change{
		Type: typ, ResourceType: ResourceReport, ResourceID: r.Month.String() + "/" + pr.ID, ProjectID: pr.ID,
		Version: r.Version, Changes: event.Diff(was, is), Departments: pr.Entitled(dept),
	})
}
