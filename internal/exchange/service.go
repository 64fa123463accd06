package exchange

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Register is what the register file needs of the register
// (project.Service): to list, read, create and change projects as a
// principal may, and the codes already held.
type Register interface {
	List(ctx context.Context, p identity.Principal, q project.ListQuery) (project.Page, error)
	// GetOwn reads a project the principal may change.
	GetOwn(ctx context.Context, p identity.Principal, id string) (project.Project, error)
	Create(ctx context.Context, p identity.Principal, e project.Draft) (project.Project, error)
	Update(ctx context.Context, p identity.Principal, id string, ifMatch int, change func(project.Fields) (project.Fields, error)) (project.Project, error)
	CodeHolders(ctx context.Context, codes []string) (map[string]string, error)
}

// Streamer is what a register may offer besides List: the projects a
// filter selects within the principal's scope, in creation order, in one
// read (project.Service.Stream), or false when it cannot.
type Streamer interface {
	Stream(ctx context.Context, p identity.Principal, f project.Filter, fn func(*project.Project) error) (bool, error)
}

// Departments lists the departments a row may name (department.Service).
type Departments interface {
	List(ctx context.Context, p identity.Principal) ([]department.Department, error)
}

// Transactor runs fn in one transaction, carried by the context it passes fn.
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
}

// Service exports and imports the register file.
type Service struct {
	register Register
	depts    Departments
	tx       Transactor
	now      func() time.Time
}

// NewService returns a Service; tx runs an import's writes in one
// transaction, and now is the clock.
func NewService(register Register, depts Departments, tx Transactor, now func() time.Time) *Service {
	return &Service{register: register, depts: depts, tx: tx, now: now}
}

// Export formats.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// ExportPageSize is how many projects an export reads from the database at
// a time.
const ExportPageSize = 500

// ExportQuery is a parsed export request: the file format and the list
// filters.
type ExportQuery struct {
	Format string
	List   project.ListQuery
}

// Export reads the projects q selects, within the principal's scope, page by
// page in creation order (so that each appears once however the register
// changes meanwhile), and calls write with each one's row; the slice is
// reused between calls. begin is called once the first page has been read,
// so that a refused request fails before anything is written.
func (s *Service) Export(ctx context.Context, p identity.Principal, q project.ListQuery, begin func() error, write func([]Cell) error) (err error) {
	defer apperr.Wrap(&err, "exchange.Service.Export")
	if st, ok := s.register.(Streamer); ok {
		if done, err := s.stream(ctx, st, p, q.Filter, begin, write); done || err != nil {
			return err
		}
	}
	q.Sort, q.Limit, q.After, q.Count, q.Brief = project.Sort{Key: project.SortCreated}, ExportPageSize, nil, false, true
	page, err := s.register.List(ctx, p, q)
	if err != nil {
		return err
	}
	if err := begin(); err != nil {
		return err
	}
	// The next page is read while this one is written: the database and
	// the file's encoding each take about half of an export's time.
	type next struct {
		page project.Page
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cells []Cell
	for {
		var ahead chan next
		if page.Next != nil {
			ahead = make(chan next, 1)
			q.After = page.Next
			go func(q project.ListQuery) {
				pg, err := s.register.List(ctx, p, q)
				ahead <- next{pg, err}
			}(q)
		}
		for i := range page.Items {
			project.MaskContact(p, &page.Items[i])
			cells = ExportRow(&page.Items[i], cells)
			if err := write(cells); err != nil {
				return err
			}
		}
		if ahead == nil {
			return nil
		}
		n := <-ahead
		if n.err != nil {
			return n.err
		}
		page = n.page
	}
}

// stream exports through the register's one read, if it has one (done):
// begin is called with the first row, or at the end when there is none,
// so that a refused request still fails before anything is written.
func (s *Service) stream(ctx context.Context, st Streamer, p identity.Principal, f project.Filter, begin func() error, write func([]Cell) error) (done bool, err error) {
	begun := false
	var cells []Cell
	done, err = st.Stream(ctx, p, f, func(pr *project.Project) error {
		if !begun {
			begun = true
			if err := begin(); err != nil {
				return err
			}
		}
		project.MaskContact(p, pr)
		cells = ExportRow(pr, cells)
		return write(cells)
	})
	if done && err == nil && !begun {
		err = begin()
	}
	return done, err
}
