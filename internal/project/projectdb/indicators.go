package projectdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/indicator"
	"github.com/guangling/pipeline/internal/platform/database"
)

// Indicators keeps the county's reported indicators, a year's list in one
// row (county_indicators).
type Indicators struct{ db *database.DB }

var _ indicator.Store = (*Indicators)(nil)

// NewIndicators returns the store of the county's indicators.
func NewIndicators(db *database.DB) *Indicators { return &Indicators{db: db} }

// indicatorItem is an item as the row's JSON holds it: the value as the
// decimal text it was given in.
type indicatorItem struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Value  string `json:"value"`
	Unit   string `json:"unit"`
	Period string `json:"period"`
	Source string `json:"source"`
}

type indicatorRow struct {
	Year      int `gorm:"primaryKey;autoIncrement:false"`
	Items     jsonValue[[]indicatorItem]
	Version   int
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy string
}

func (indicatorRow) TableName() string { return "county_indicators" }

func toIndicatorRow(y indicator.Year) indicatorRow {
	items := make([]indicatorItem, len(y.Items))
	for i, it := range y.Items {
		items[i] = indicatorItem{Code: string(it.Code), Label: it.Label, Value: it.Value, Unit: it.Unit, Period: it.Period, Source: it.Source}
	}
	return indicatorRow{Year: y.Year, Items: jsonValue[[]indicatorItem]{items}, Version: y.Version, UpdatedAt: y.UpdatedAt.UTC(), UpdatedBy: y.UpdatedBy}
}

func toIndicatorYear(r indicatorRow) indicator.Year {
	items := make([]indicator.Item, len(r.Items.V))
	for i, it := range r.Items.V {
		items[i] = indicator.Item{Code: indicator.Code(it.Code), Label: it.Label, Value: it.Value, Unit: it.Unit, Period: it.Period, Source: it.Source}
	}
	return indicator.Year{Year: r.Year, Items: items, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}
}

// Years lists the years that have a list, in order.
func (s *Indicators) Years(ctx context.Context) (_ []int, err error) {
	defer apperr.Wrap(&err, "projectdb.Indicators.Years")
	q, done := s.db.Conn(ctx)
	defer done()
	var years []int
	if err := q.Model(&indicatorRow{}).Order("year").Pluck("year", &years).Error; err != nil {
		return nil, translate(err)
	}
	if years == nil {
		years = []int{}
	}
	return years, nil
}

// Get reads a year's list; a year without one is indicator.ErrNone.
func (s *Indicators) Get(ctx context.Context, year int) (_ indicator.Year, err error) {
	defer apperr.Wrap(&err, "projectdb.Indicators.Get(%d)", year)
	q, done := s.db.Conn(ctx)
	defer done()
	var r indicatorRow
	err = q.Where("year = ?", year).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return indicator.Year{}, indicator.ErrNone
	}
	if err != nil {
		return indicator.Year{}, translate(err)
	}
	return toIndicatorYear(r), nil
}

// Put writes a year's list: inserts version 1, or replaces the list at the
// version before y's. Either finding another list is VersionConflict.
func (s *Indicators) Put(ctx context.Context, y indicator.Year) (err error) {
	defer apperr.Wrap(&err, "projectdb.Indicators.Put(%d)", y.Year)
	q, done := s.db.Conn(ctx)
	defer done()
	r := toIndicatorRow(y)
	if y.Version == 1 {
		err := q.Create(&r).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return apperr.ErrVersionConflict
		}
		return translate(err)
	}
	res := q.Model(&indicatorRow{}).Where("year = ? AND version = ?", y.Year, y.Version-1).
		Updates(map[string]any{"items": r.Items, "version": r.Version, "updated_at": r.UpdatedAt, "updated_by": r.UpdatedBy})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected != 1 {
		return apperr.ErrVersionConflict
	}
	return nil
}
