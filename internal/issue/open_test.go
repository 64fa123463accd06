package issue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

// opening is a valid request to open a blocker, its text padded as a form
// may send it.
func opening() issue.Fields {
	return issue.Fields{
		Title: "  配套部件供应  ", Description: "\t叶片到货延迟 ", Kind: "construction",
		ResponsibleDepartment: " industry ", DueOn: date("2021-07-01"),
	}
}

// opened is the blocker that opening opens on the energy project, as
// principal by names it.
func opened(by string, mods ...func(*issue.Issue)) issue.Issue {
	i := issue.Issue{ID: firstID, ProjectID: energyProject, ProjectDepartment: "energy",
		Fields: issue.Fields{Title: "配套部件供应", Description: "叶片到货延迟", Kind: "construction",
			ResponsibleDepartment: "industry", DueOn: date("2021-07-01"), Status: issue.Open},
		CreatedBy: by, Version: 1, CreatedAt: stamped, UpdatedAt: stamped}
	for _, m := range mods {
		m(&i)
	}
	return i
}

func fieldErr(field, code, param string) apperr.FieldError {
	return apperr.FieldError{Field: field, Code: code, Param: param}
}

var (
	kindErr       = fieldErr("kind", "invalid_value", strings.Join(project.Values(issue.Kinds), ","))
	statusErr     = fieldErr("status", "invalid_value", strings.Join(project.Values(issue.Statuses), ","))
	startsOpen    = fieldErr("status", "invalid_value", "open")
	onlyResolved  = fieldErr("resolution", "only_when", "resolved")
	needsDue      = fieldErr("due_on", "required", "")
	departmentFmt = fieldErr("responsible_department", "invalid_format", identity.ValidDepartmentCode.String())
	unknownDept   = fieldErr("responsible_department", "unknown", "")
)

func TestOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		as         identity.Principal
		project    string // energyProject when empty
		change     func(*issue.Fields)
		want       issue.Issue
		wantErr    error
		wantFields []apperr.FieldError
	}{
		{name: "an editor opens a blocker of its project, open, its text trimmed", as: energyEditor, want: opened("energy_editor")},
		{name: "open, said so", as: energyEditor, change: func(f *issue.Fields) { f.Status = issue.Open }, want: opened("energy_editor")},
		{name: "its own department responsible", as: energyEditor, change: func(f *issue.Fields) { f.ResponsibleDepartment = "energy" },
			want: opened("energy_editor", func(i *issue.Issue) { i.ResponsibleDepartment = "energy" })},
		{name: "the bureau, for any department's project", as: bureau, project: industryProject,
			want: opened("bureau", func(i *issue.Issue) { i.ProjectID, i.ProjectDepartment = industryProject, "industry" })},
		{name: "an administrator", as: admin, want: opened("admin")},
		{name: "a client with issues:write", as: clientIssues, want: opened("能源局系统")},
		{name: "the longest text", as: energyEditor, change: func(f *issue.Fields) {
			f.Title, f.Description = strings.Repeat("界", issue.MaxTitle), strings.Repeat("述", issue.MaxText)
		}, want: opened("energy_editor", func(i *issue.Issue) {
			i.Title, i.Description = strings.Repeat("界", issue.MaxTitle), strings.Repeat("述", issue.MaxText)
		})},
		{name: "every kind there is", as: energyEditor, change: func(f *issue.Fields) { f.Kind = "environment" },
			want: opened("energy_editor", func(i *issue.Issue) { i.Kind = "environment" })},

		{name: "a department viewer", as: energyViewer, wantErr: apperr.ErrForbidden},
		{name: "a leader", as: leader, wantErr: apperr.ErrForbidden},
		{name: "a client without issues:write", as: clientProjects, wantErr: apperr.ErrForbidden},
		{name: "a client that may only read", as: clientRead, wantErr: apperr.ErrForbidden},
		{name: "refused before the fields are checked", as: leader, change: func(f *issue.Fields) { f.Title = "" }, wantErr: apperr.ErrForbidden},
		{name: "another department's project", as: industryEditor, project: energyProject, wantErr: apperr.ErrNotFound},
		{name: "another department's project, its editor responsible", as: industryEditor,
			change: func(f *issue.Fields) { f.ResponsibleDepartment = "industry" }, wantErr: apperr.ErrNotFound},
		{name: "a project that does not exist", as: bureau, project: missingProject, wantErr: apperr.ErrNotFound},
		{name: "an archived project", as: bureau, project: archivedProject, wantErr: errArchived},

		{name: "no title", as: energyEditor, change: func(f *issue.Fields) { f.Title = "" },
			wantFields: []apperr.FieldError{fieldErr("title", "required", "")}},
		{name: "a title of spaces", as: energyEditor, change: func(f *issue.Fields) { f.Title = " \t " },
			wantFields: []apperr.FieldError{fieldErr("title", "required", "")}},
		{name: "a title too long", as: energyEditor, change: func(f *issue.Fields) { f.Title = strings.Repeat("界", issue.MaxTitle+1) },
			wantFields: []apperr.FieldError{fieldErr("title", "too_long", "200")}},
		{name: "a description too long", as: energyEditor, change: func(f *issue.Fields) { f.Description = strings.Repeat("述", issue.MaxText+1) },
			wantFields: []apperr.FieldError{fieldErr("description", "too_long", "4000")}},
		{name: "a control character", as: energyEditor, change: func(f *issue.Fields) { f.Title = "配套\x00部件" },
			wantFields: []apperr.FieldError{fieldErr("title", "invalid_format", "")}},
		{name: "a line break in the description", as: energyEditor, change: func(f *issue.Fields) { f.Description = "叶片\n延迟" },
			wantFields: []apperr.FieldError{fieldErr("description", "invalid_format", "")}},
		{name: "text that is not UTF-8", as: energyEditor, change: func(f *issue.Fields) { f.Description = "\xff\xfe" },
			wantFields: []apperr.FieldError{fieldErr("description", "invalid_format", "")}},
		{name: "no kind", as: energyEditor, change: func(f *issue.Fields) { f.Kind = "" }, wantFields: []apperr.FieldError{kindErr}},
		{name: "a kind there is not", as: energyEditor, change: func(f *issue.Fields) { f.Kind = "flood" }, wantFields: []apperr.FieldError{kindErr}},
		{name: "no responsible department", as: energyEditor, change: func(f *issue.Fields) { f.ResponsibleDepartment = "  " },
			wantFields: []apperr.FieldError{fieldErr("responsible_department", "required", "")}},
		{name: "a responsible department badly written", as: energyEditor, change: func(f *issue.Fields) { f.ResponsibleDepartment = "Industry" },
			wantFields: []apperr.FieldError{departmentFmt}},
		{name: "a responsible department the store does not know", as: energyEditor,
			change: func(f *issue.Fields) { f.ResponsibleDepartment = unknownDepartment }, wantFields: []apperr.FieldError{unknownDept}},
		{name: "no due date", as: energyEditor, change: func(f *issue.Fields) { f.DueOn = date("0001-01-01") }, wantFields: []apperr.FieldError{needsDue}},
		{name: "a resolution of an open blocker", as: energyEditor, change: func(f *issue.Fields) { f.Resolution = "已落实" },
			wantFields: []apperr.FieldError{onlyResolved}},
		{name: "a resolution too long", as: energyEditor, change: func(f *issue.Fields) { f.Resolution = strings.Repeat("办", issue.MaxText+1) },
			wantFields: []apperr.FieldError{fieldErr("resolution", "too_long", "4000"), onlyResolved}},
		{name: "opened in progress", as: energyEditor, change: func(f *issue.Fields) { f.Status = issue.InProgress },
			wantFields: []apperr.FieldError{startsOpen}},
		{name: "opened resolved", as: energyEditor, change: func(f *issue.Fields) { f.Status, f.Resolution = issue.Resolved, "已落实" },
			wantFields: []apperr.FieldError{startsOpen}},
		{name: "opened resolved without a resolution", as: energyEditor, change: func(f *issue.Fields) { f.Status = issue.Resolved },
			wantFields: []apperr.FieldError{fieldErr("resolution", "required", ""), startsOpen}},
		{name: "a status there is not", as: energyEditor, change: func(f *issue.Fields) { f.Status = "closed" },
			wantFields: []apperr.FieldError{statusErr, startsOpen}},
		{name: "every problem at once", as: energyEditor, change: func(f *issue.Fields) {
			f.Title, f.Kind, f.ResponsibleDepartment, f.DueOn, f.Resolution = "", "flood", "", date("0001-01-01"), "已落实"
		}, wantFields: []apperr.FieldError{fieldErr("title", "required", ""), kindErr,
			fieldErr("responsible_department", "required", ""), needsDue, onlyResolved}},
		{name: "checked before the project is looked up", as: industryEditor, change: func(f *issue.Fields) { f.Kind = "" },
			wantFields: []apperr.FieldError{kindErr}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			in := opening()
			if tt.change != nil {
				tt.change(&in)
			}
			pid := tt.project
			if pid == "" {
				pid = energyProject
			}
			got, err := f.svc.Open(context.Background(), tt.as, pid, in)
			if tt.wantErr != nil || tt.wantFields != nil {
				requireErr(t, tt.wantErr, tt.wantFields, err)
				_, err := f.store.Get(context.Background(), project.Reach{All: true}, firstID)
				require.ErrorIs(t, err, apperr.ErrNotFound, "a refused blocker is not stored")
				assert.Empty(t, f.auditor.records, "a refused blocker is not audited")
				assert.Zero(t, f.register.within, "the register's change is abandoned")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want, f.stored(t, firstID), "the blocker is stored")
			assert.Equal(t, []audited{{tt.as, audit.Record{Action: issue.ActionOpen, ResourceType: issue.ResourceType,
				ResourceID: firstID, After: issueView(tt.want)}}}, f.auditor.records)
			assert.Equal(t, 1, f.register.within, "opened within the register, which computes the project's health again")
		})
	}
}

// TestOpenTwice shows each blocker opened with an ID of its own.
func TestOpenTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, err := f.svc.Open(context.Background(), energyEditor, energyProject, opening())
	require.NoError(t, err)
	b, err := f.svc.Open(context.Background(), energyEditor, energyProject, opening())
	require.NoError(t, err)
	assert.Equal(t, []string{newID(100), newID(101)}, []string{a.ID, b.ID})
	assert.Equal(t, b, f.stored(t, b.ID))
}

// TestOpenFailures shows a failure of the store or of the audit trail
// failing the change: the register, whose transaction the change joins,
// then writes nothing.
func TestOpenFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		fail func(f *fixture)
	}{
		{"blocker not written", func(f *fixture) { f.store.Fail("Create", boom) }},
		{"audit entry not written", func(f *fixture) { f.auditor.err = boom }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			list := func() []issue.Issue {
				page, err := f.store.List(context.Background(), project.Reach{All: true}, issue.Query{ProjectID: energyProject, Limit: 10})
				require.NoError(t, err)
				return page.Items
			}
			before := list()
			tt.fail(f)
			got, err := f.svc.Open(context.Background(), energyEditor, energyProject, opening())
			require.ErrorIs(t, err, boom)
			assert.Zero(t, got, "no blocker is answered")
			assert.Zero(t, f.register.within, "the register's change is abandoned")
			f.store.Fail("Create", nil)
			assert.Equal(t, before, list(), "no blocker is left behind")
		})
	}
}
