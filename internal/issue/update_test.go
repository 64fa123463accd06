package issue_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
)

// ownerOnly is the answer to the responsible department changing field.
func ownerOnly(field string) apperr.FieldError {
	return fieldErr(field, "owner_only", "status, resolution")
}

func status(s issue.Status) func(*issue.Fields) { return func(f *issue.Fields) { f.Status = s } }

func resolve(f *issue.Fields) { f.Status, f.Resolution = issue.Resolved, "供应商已落实" }

// illegal is the answer to a status move the blocker may not make.
func illegal(allowed ...string) error {
	return &apperr.Error{Kind: apperr.IllegalTransition, Allowed: allowed}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	errMine := errors.New("the change gave up")
	tests := []struct {
		name    string
		as      identity.Principal
		id      string // seededOpen when empty
		ifMatch int    // the blocker's version when 0
		change  func(*issue.Fields)
		fail    error // what the change returns
		// changed: the blocker is saved a version up with the change, at
		// stamped; otherwise it is answered unchanged.
		changed    bool
		wantErr    error
		wantFields []apperr.FieldError
	}{
		{name: "the owner changes every field", as: energyEditor, changed: true, change: func(f *issue.Fields) {
			f.Title, f.Description, f.Kind = "叶片供应", "", "other"
			f.ResponsibleDepartment, f.DueOn, f.Status = "natural_resources", date("2021-09-30"), issue.InProgress
		}},
		{name: "the owner starts work", as: energyEditor, change: status(issue.InProgress), changed: true},
		{name: "the owner resolves an open blocker at once", as: energyEditor, change: resolve, changed: true},
		{name: "the owner resolves one in progress", as: energyEditor, id: seededProgress.ID, change: resolve, changed: true},
		{name: "the bureau is an owner", as: bureau, change: func(f *issue.Fields) { f.Title = "叶片供应" }, changed: true},
		{name: "an administrator is an owner", as: admin, change: func(f *issue.Fields) { f.DueOn = date("2021-07-15") }, changed: true},
		{name: "a client with issues:write", as: clientIssues, change: status(issue.InProgress), changed: true},
		{name: "an owner that is also responsible", as: industryEditor, id: seededOwn.ID,
			change: func(f *issue.Fields) { f.Title, f.ResponsibleDepartment = "资金到位", "energy" }, changed: true},

		{name: "the responsible department starts work", as: industryEditor, change: status(issue.InProgress), changed: true},
		{name: "the responsible department resolves", as: industryEditor, id: seededProgress.ID, change: resolve, changed: true},
		{name: "the responsible department may not retitle", as: industryEditor, change: func(f *issue.Fields) { f.Title = "叶片供应" },
			wantFields: []apperr.FieldError{ownerOnly("title")}},
		{name: "nor change anything but status and resolution", as: industryEditor, change: func(f *issue.Fields) {
			f.Title, f.Description, f.Kind = "叶片供应", "", "other"
			f.ResponsibleDepartment, f.DueOn, f.Status = "natural_resources", date("2021-09-30"), issue.InProgress
		}, wantFields: []apperr.FieldError{ownerOnly("title"), ownerOnly("description"), ownerOnly("kind"),
			ownerOnly("responsible_department"), ownerOnly("due_on")}},
		{name: "the responsible department's viewer", as: industryViewer, change: status(issue.InProgress), wantErr: apperr.ErrForbidden},
		{name: "another department", as: agricultureEditor, change: status(issue.InProgress), wantErr: apperr.ErrNotFound},
		{name: "the natural resources bureau, for a blocker of its own on another's project", as: identity.Principal{
			Name: "nr", Role: identity.RoleDeptEditor, Department: "natural_resources"}, id: seededLand.ID,
			change: status(issue.InProgress), changed: true},

		{name: "nothing changed", as: energyEditor},
		{name: "nothing changed but spaces", as: energyEditor, change: func(f *issue.Fields) { f.Title = " " + f.Title + "\t" }},
		{name: "nothing changed by the responsible department", as: industryEditor},
		{name: "a stale version", as: energyEditor, ifMatch: 1, change: status(issue.InProgress), wantErr: apperr.ErrVersionConflict},
		{name: "a stale version, nothing changed", as: energyEditor, ifMatch: 3, wantErr: apperr.ErrVersionConflict},
		{name: "a resolved blocker is closed", as: energyEditor, id: seededResolved.ID, change: func(f *issue.Fields) { f.Title = "x" },
			wantErr: apperr.ErrConflict},
		{name: "closed to an administrator too", as: admin, id: seededResolved.ID, change: func(f *issue.Fields) { f.Resolution = "改" },
			wantErr: apperr.ErrConflict},
		{name: "closed, even unchanged", as: industryEditor, id: seededResolved.ID, wantErr: apperr.ErrConflict},
		{name: "closed, its version stale", as: energyEditor, id: seededResolved.ID, ifMatch: 3, wantErr: apperr.ErrVersionConflict},
		{name: "work cannot go back", as: energyEditor, id: seededProgress.ID, change: status(issue.Open), wantErr: illegal("resolved")},
		{name: "nor to the responsible department", as: industryEditor, id: seededProgress.ID,
			change: func(f *issue.Fields) { f.Status, f.Title = issue.Open, "x" }, wantErr: illegal("resolved")},
		{name: "a status there is not", as: energyEditor, change: status("closed"), wantFields: []apperr.FieldError{statusErr}},
		{name: "resolved without a resolution", as: energyEditor, change: status(issue.Resolved),
			wantFields: []apperr.FieldError{fieldErr("resolution", "required", "")}},
		{name: "a resolution before resolving", as: industryEditor, change: func(f *issue.Fields) { f.Resolution = "已落实" },
			wantFields: []apperr.FieldError{onlyResolved}},
		{name: "the title emptied", as: energyEditor, change: func(f *issue.Fields) { f.Title = "" },
			wantFields: []apperr.FieldError{fieldErr("title", "required", "")}},
		{name: "the due date removed", as: energyEditor, change: func(f *issue.Fields) { f.DueOn = date("0001-01-01") },
			wantFields: []apperr.FieldError{needsDue}},
		{name: "a responsible department badly written", as: energyEditor, change: func(f *issue.Fields) { f.ResponsibleDepartment = "Nr" },
			wantFields: []apperr.FieldError{departmentFmt}},
		{name: "a responsible department the store does not know", as: energyEditor,
			change: func(f *issue.Fields) { f.ResponsibleDepartment = unknownDepartment }, wantFields: []apperr.FieldError{unknownDept}},
		{name: "the change gives up", as: energyEditor, fail: errMine, wantErr: errMine},

		{name: "a leader", as: leader, change: status(issue.InProgress), wantErr: apperr.ErrForbidden},
		{name: "the owner's viewer", as: energyViewer, change: status(issue.InProgress), wantErr: apperr.ErrForbidden},
		{name: "a client without issues:write", as: clientProjects, change: status(issue.InProgress), wantErr: apperr.ErrForbidden},
		{name: "a blocker of an archived project", as: bureau, id: seededArchived.ID, change: status(issue.InProgress), wantErr: errArchived},
		{name: "a blocker that does not exist", as: bureau, id: newID(99), wantErr: apperr.ErrNotFound},
		{name: "a malformed ID", as: bureau, id: "1", wantErr: apperr.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			id := tt.id
			if id == "" {
				id = seededOpen.ID
			}
			before := byID(id)
			ifMatch := tt.ifMatch
			if ifMatch == 0 {
				ifMatch = before.Version
			}
			got, err := f.svc.Update(context.Background(), tt.as, id, ifMatch, func(cur issue.Fields) (issue.Fields, error) {
				assert.Equal(t, before.Fields, cur, "the change is given the current fields")
				if tt.change != nil {
					tt.change(&cur)
				}
				return cur, tt.fail
			})
			if tt.wantErr != nil || tt.wantFields != nil {
				requireUpdateErr(t, tt.wantErr, tt.wantFields, err)
				if before.ID != "" {
					assert.Equal(t, before, f.stored(t, id), "a refused change stores nothing")
				}
				assert.Empty(t, f.auditor.records, "a refused change is not audited")
				assert.Zero(t, f.register.within, "the register's change is abandoned")
				return
			}
			require.NoError(t, err)
			want := before
			if tt.changed {
				want = saved(before, tt.change)
			}
			assert.Equal(t, want, got)
			assert.Equal(t, want, f.stored(t, id))
			if tt.changed {
				assert.Equal(t, []audited{{tt.as, audit.Record{Action: issue.ActionUpdate, ResourceType: issue.ResourceType,
					ResourceID: id, Before: issueView(before), After: issueView(want)}}}, f.auditor.records)
			} else {
				assert.Empty(t, f.auditor.records, "an unchanged blocker is not audited")
			}
			assert.Equal(t, 1, f.register.within, "changed within the register, which computes the project's health again")
		})
	}
}

// byID is the seeded blocker id, or none.
func byID(id string) issue.Issue {
	for _, i := range seeded {
		if i.ID == id {
			return i
		}
	}
	return issue.Issue{}
}

// saved is before with change, as the service saves it: a version up, at
// stamped, resolved at stamped when resolved.
func saved(before issue.Issue, change func(*issue.Fields)) issue.Issue {
	i := before
	change(&i.Fields)
	i.Version++
	i.UpdatedAt = stamped
	if i.Status == issue.Resolved {
		i.ResolvedAt = &stamped
	}
	return i
}

// requireUpdateErr is requireErr that also holds an illegal transition to
// the moves it allows.
func requireUpdateErr(t *testing.T, want error, fields []apperr.FieldError, err error) {
	t.Helper()
	if w, ok := want.(*apperr.Error); ok && w.Kind == apperr.IllegalTransition {
		require.Equal(t, apperr.IllegalTransition, apperr.KindOf(err), "error: %v", err)
		require.Equal(t, w.Allowed, apperr.As(err).Allowed)
		require.NotEmpty(t, apperr.As(err).Message)
		return
	}
	requireErr(t, want, fields, err)
}

// TestUpdateWhileTheProjectMoves: who the caller is to a blocker is decided
// with its project locked. A project given to another department between
// the blocker's read and the lock is changed as its new department sees it.
func TestUpdateWhileTheProjectMoves(t *testing.T) {
	t.Parallel()
	retitle := func(f issue.Fields) (issue.Fields, error) { f.Title = "叶片供应"; return f, nil }
	for _, tt := range []struct {
		name    string
		as      identity.Principal
		to      string // the energy project's new department
		archive bool
		wantErr error
		fields  []apperr.FieldError
	}{
		{name: "the department it left no longer owns it", as: energyEditor, to: "agriculture", wantErr: apperr.ErrNotFound},
		{name: "the responsible department it went to owns it", as: industryEditor, to: "industry"},
		{name: "the responsible department stays no more than responsible", as: industryEditor, to: "agriculture",
			fields: []apperr.FieldError{ownerOnly("title")}},
		{name: "archived meanwhile", as: energyEditor, to: "energy", archive: true, wantErr: errArchived},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.register.meanwhile = func() {
				f.register.meanwhile = nil
				f.putProject(energyProject, tt.to)
				if tt.archive {
					f.archive(energyProject)
				}
			}
			_, err := f.svc.Update(context.Background(), tt.as, seededOpen.ID, seededOpen.Version, retitle)
			if tt.wantErr != nil || tt.fields != nil {
				requireErr(t, tt.wantErr, tt.fields, err)
				assert.Equal(t, seededOpen.Title, f.stored(t, seededOpen.ID).Title)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "叶片供应", f.stored(t, seededOpen.ID).Title)
		})
	}
}

// TestUpdateFailures shows a failure of the store or of the audit trail
// failing the change: the register, whose transaction the change joins,
// then writes nothing.
func TestUpdateFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		fail func(f *fixture)
	}{
		{"blocker not read", func(f *fixture) { f.store.Fail("Get", boom) }},
		{"blocker not read again with its project locked", func(f *fixture) {
			f.register.meanwhile = func() { f.store.Fail("Get", boom) }
		}},
		{"blocker not written", func(f *fixture) { f.store.Fail("Update", boom) }},
		{"audit entry not written", func(f *fixture) { f.auditor.err = boom }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			tt.fail(f)
			_, err := f.svc.Update(context.Background(), energyEditor, seededOpen.ID, seededOpen.Version,
				func(f issue.Fields) (issue.Fields, error) { f.Status = issue.InProgress; return f, nil })
			require.ErrorIs(t, err, boom)
			assert.Zero(t, f.register.within, "the register's change is abandoned")
			f.store.Fail("Get", nil)
			assert.Equal(t, issue.Open, f.stored(t, seededOpen.ID).Status, "the blocker stays as it was")
		})
	}
}
