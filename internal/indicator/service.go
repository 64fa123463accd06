package indicator

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Store keeps the years' lists. Implementations translate their driver
// errors into apperr kinds.
type Store interface {
	// Years lists the years that have a list, in order.
	Years(ctx context.Context) ([]int, error)
	// Get reads a year's list; a year without one is ErrNone.
	Get(ctx context.Context, year int) (Year, error)
	// Put writes a year's list at y.Version: the first (version 1) where
	// the year has none, else the one after y.Version-1. A list that is
	// not the one y replaces (a concurrent change) is VersionConflict.
	Put(ctx context.Context, y Year) error
}

// Transactor runs fn in one transaction, carried by the context it passes fn.
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// ErrNone is a year without indicators.
var ErrNone = apperr.Coded(apperr.NotFound, "indicator.none")

var (
	errNoWrite = apperr.Coded(apperr.Forbidden, "indicator.no_write")
	errNoRead  = apperr.Coded(apperr.Forbidden, "indicator.no_read")
	// errReplaceBlind is a PUT over a year's list without If-Match.
	errReplaceBlind = apperr.Coded(apperr.PreconditionRequired, "indicator.if_match_required")
)

// ResourceType and ActionPut are the audit trail's names of a year's list
// and its change.
const (
	ResourceType = "indicators"
	ActionPut    = "indicators.put"
)

// MaxYearAhead bounds the years that may hold indicators (targets are set
// ahead): up to this many years after the current one.
const MaxYearAhead = 10

// Service keeps the county's indicators.
type Service struct {
	store   Store
	tx      Transactor
	auditor Auditor
	now     func() time.Time
}

// NewService returns a Service; now is the clock.
func NewService(store Store, tx Transactor, auditor Auditor, now func() time.Time) *Service {
	return &Service{store: store, tx: tx, auditor: auditor, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Service) checkYear(year int) error {
	last := s.clock().Year() + MaxYearAhead
	if year < project.MinYear || year > last {
		return apperr.Fields([]apperr.FieldError{{Field: "year", Code: "out_of_range",
			Param: strconv.Itoa(project.MinYear) + ".." + strconv.Itoa(last)}})
	}
	return nil
}

// Put replaces a year's list (the bureau, the administrator). ifMatch is
// the version the caller replaces: required when the year has a list (0
// when absent), and, when given for a year without one, 412. It reports
// whether the list is new. A list equal to the one held changes nothing.
func (s *Service) Put(ctx context.Context, p identity.Principal, year int, items []Item, ifMatch int) (_ Year, created bool, err error) {
	defer apperr.Wrap(&err, "indicator.Service.Put(%d)", year)
	if !p.May(identity.ManagePlans) {
		return Year{}, false, errNoWrite
	}
	if err := s.checkYear(year); err != nil {
		return Year{}, false, err
	}
	items = Normalize(year, items)
	if err := Validate(year, items); err != nil {
		return Year{}, false, err
	}
	now := s.clock()
	var out Year
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.Get(ctx, year)
		held := err == nil
		if err != nil && apperr.KindOf(err) != apperr.NotFound {
			return err
		}
		if err := match(held, before.Version, ifMatch); err != nil {
			return err
		}
		if held && slices.Equal(before.Items, items) {
			out = before
			return nil
		}
		created = !held
		out = Year{Year: year, Items: items, Version: before.Version + 1, UpdatedAt: now, UpdatedBy: p.Name}
		if err := s.store.Put(ctx, out); err != nil {
			return err
		}
		var was any
		if held {
			was = view(before)
		}
		return s.auditor.Append(ctx, p, audit.Record{Action: ActionPut, ResourceType: ResourceType,
			ResourceID: strconv.Itoa(year), Before: was, After: view(out)})
	})
	if err != nil {
		return Year{}, false, err
	}
	return out, created, nil
}

// match checks If-Match (ifMatch, 0 when absent) against the list held,
// if any, at version: a list is replaced only by a caller naming it.
func match(held bool, version, ifMatch int) error {
	switch {
	case held && ifMatch == 0:
		return errReplaceBlind
	case ifMatch != 0 && ifMatch != version:
		return apperr.ErrVersionConflict
	}
	return nil
}

// view is a year's list as the audit trail records it: as the API shows it.
func view(y Year) map[string]any {
	items := make([]map[string]any, len(y.Items))
	for i, it := range y.Items {
		items[i] = map[string]any{"code": it.Code, "label": it.Label, "value": it.Value, "unit": it.Unit,
			"period": it.Period, "source": it.Source}
	}
	return map[string]any{"year": y.Year, "items": items, "version": y.Version}
}

// Get reads a year's list, for whoever may read the register.
func (s *Service) Get(ctx context.Context, p identity.Principal, year int) (_ Year, err error) {
	defer apperr.Wrap(&err, "indicator.Service.Get(%d)", year)
	if !p.May(identity.ReadProjects) {
		return Year{}, errNoRead
	}
	if year < project.MinYear || year > 2999 {
		return Year{}, ErrNone
	}
	return s.store.Get(ctx, year)
}

// Years lists the years that have indicators, for whoever may read the
// register.
func (s *Service) Years(ctx context.Context, p identity.Principal) (_ []int, err error) {
	defer apperr.Wrap(&err, "indicator.Service.Years")
	if !p.May(identity.ReadProjects) {
		return nil, errNoRead
	}
	return s.store.Years(ctx)
}
