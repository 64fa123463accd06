package project

import (
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// Reach is a principal's data scope: the projects it may see. The store
// turns it into a condition on every query, so that nothing outside it is
// ever read or written. (A client's OAuth scopes, what its token allows, are
// identity's.)
type Reach struct {
	// All admits every project; otherwise only Department's (and none when
	// Department is empty), so that a missing department fails closed.
	All        bool
	Department string
	// Responsible also admits, for reading one project, the projects with
	// an unresolved blocker that Department is responsible for (docs/api.md, "Plans, progress and blockers").
	Responsible bool
}

// ReachOf returns the data scope of a principal: what it may change, and
// what its lists and statistics hold.
func ReachOf(p identity.Principal) Reach {
	if p.Role.DepartmentBound() {
		return Reach{Department: p.Department}
	}
	return Reach{All: true}
}

// readReach is what a principal may read of one project: its scope and the
// projects whose blockers its department must clear.
func readReach(p identity.Principal) Reach {
	s := ReachOf(p)
	s.Responsible = !s.All
	return s
}

// Admits reports whether the reach holds the projects of department d.
func (s Reach) Admits(d string) bool { return s.All || s.Department != "" && s.Department == d }

var (
	errReadOnly = apperr.Coded(apperr.Forbidden, "project.no_write")
	errNoRead   = apperr.Coded(apperr.Forbidden, "project.no_read")
	errArchiver = apperr.Coded(apperr.Forbidden, "project.archiver_only")
)

// ErrArchived refuses a change to an archived project, or to its plans,
// progress and blockers.
var ErrArchived = apperr.Coded(apperr.Conflict, "project.archived")

// CanRead says whether p may read projects.
func CanRead(p identity.Principal) error {
	if !p.May(identity.ReadProjects) {
		return errNoRead
	}
	return nil
}

// CanWrite says whether p may change projects and their plans.
func CanWrite(p identity.Principal) error {
	if !p.May(identity.WriteProjects) {
		return errReadOnly
	}
	return nil
}
