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
	errReadOnly = apperr.New(apperr.Forbidden, "当前身份无权修改项目", "this identity may not change projects")
	errNoRead   = apperr.New(apperr.Forbidden, "当前身份无权读取项目", "this identity may not read projects")
	errArchiver = apperr.New(apperr.Forbidden, "只有发改局或管理员可以归档和恢复项目", "only the bureau or an administrator may archive and restore projects")
)

// ErrArchived refuses a change to an archived project, or to its plans,
// progress and blockers.
var ErrArchived = apperr.New(apperr.Conflict, "项目已归档，请先恢复", "the project is archived; restore it first")

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
