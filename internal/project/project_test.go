package project

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
)

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

func validFields() Fields {
	return Fields{
		Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy", BuildType: New, KeyLevel: "none",
		Capacity: ptr(50.0), CapacityUnit: "MW", TotalInvestmentYuan: ptr(int64(400_000_000)),
		Funding: []Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 0}},
	}
}

// fieldCodes returns "field:code" for each field error of err.
func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	require.Equal(t, apperr.Invalid, e.Kind, "error %v", err)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestFieldsValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(*Fields)
		want   []string
	}{
		{"valid", func(*Fields) {}, nil},
		{"code ok", func(f *Fields) { f.Code = ptr("2021-140223-44-01-000001") }, nil},
		{"code bad", func(f *Fields) { f.Code = ptr("2021-14022-44-01-000001") }, []string{"code:invalid_format"}},
		{"name empty", func(f *Fields) { f.Name = "  " }, []string{"name:required"}},
		{"name 200", func(f *Fields) { f.Name = strings.Repeat("风", 200) }, nil},
		{"name 201", func(f *Fields) { f.Name = strings.Repeat("风", 201) }, []string{"name:too_long"}},
		{"name control", func(f *Fields) { f.Name = "a\x00b" }, []string{"name:invalid_format"}},
		{"name with a character XML cannot hold", func(f *Fields) { f.Name = "a\uFFFEb" }, []string{"name:invalid_format"}},
		{"category", func(f *Fields) { f.Category = "coal" }, []string{"category:invalid_value"}},
		{"department missing", func(f *Fields) { f.Department = "" }, []string{"department:required"}},
		{"department format", func(f *Fields) { f.Department = "Energy" }, []string{"department:invalid_format"}},
		{"build type", func(f *Fields) { f.BuildType = "rebuilt" }, []string{"build_type:invalid_value"}},
		{"key level", func(f *Fields) { f.KeyLevel = "world" }, []string{"key_level:invalid_value"}},
		{"negative money", func(f *Fields) { f.TotalInvestmentYuan = ptr(int64(-1)) }, []string{"total_investment_yuan:out_of_range"}},
		{"huge money", func(f *Fields) { f.ExpectedAnnualOutputYuan = ptr(MaxYuan + 1) }, []string{"expected_annual_output_yuan:out_of_range"}},
		{"capacity without unit", func(f *Fields) { f.CapacityUnit = "" }, []string{"capacity_unit:required"}},
		{"negative capacity", func(f *Fields) { f.Capacity = ptr(-1.0) }, []string{"capacity:out_of_range"}},
		{"funding source", func(f *Fields) { f.Funding[0].Source = "gift" }, []string{"funding[0].source:invalid_value"}},
		{"funding twice", func(f *Fields) { f.Funding = append(f.Funding, f.Funding[0]) }, []string{"funding[1].source:not_unique"}},
		{"funding negative", func(f *Fields) { f.Funding[0].ReceivedYuan = -5 }, []string{"funding[0].received_yuan:out_of_range"}},
		{"planned order", func(f *Fields) {
			f.PlannedStartDate, f.PlannedCompletionDate = day("2021-06-01"), day("2021-05-01")
		}, []string{"planned_completion_date:date_order"}},
		{"planned same day", func(f *Fields) {
			f.PlannedSignDate, f.PlannedStartDate = day("2021-06-01"), day("2021-06-01")
		}, nil},
		{"many at once", func(f *Fields) { f.Name, f.Category = "", "" }, []string{"name:required", "category:invalid_value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := validFields()
			tc.change(&f)
			assert.Equal(t, tc.want, fieldCodes(t, f.Validate()))
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	f := Fields{Name: "  水神堂  ", Code: ptr("  "), Department: " tourism "}
	f.Normalize()
	assert.Equal(t, "水神堂", f.Name)
	assert.Equal(t, "tourism", f.Department)
	assert.Nil(t, f.Code)
	assert.Equal(t, New, f.BuildType)
	assert.Equal(t, KeyLevel("none"), f.KeyLevel)
	assert.NotNil(t, f.Funding)

	// A capacity keeps Excel's 15 significant digits.
	for in, want := range map[float64]float64{123456789.123456789: 123456789.123457, 50: 50, 0.1: 0.1, 1e-7: 1e-7} {
		f := Fields{Capacity: &in}
		f.Normalize()
		assert.Equal(t, want, *f.Capacity, "%v", in)
	}
}

func TestValidateEntry(t *testing.T) {
	t.Parallel()
	today := *day("2021-04-15")
	cases := []struct {
		name   string
		stage  Stage
		actual Actual
		want   []string
	}{
		{"planning, no dates", Planning, Actual{}, nil},
		{"unknown stage", "built", Actual{}, []string{"stage:invalid_value"}},
		{"producing without dates", InProduction, Actual{}, nil},
		{"producing with dates", InProduction, Actual{StartedOn: day("2019-05-01"), ProductionOn: day("2020-12-20")}, nil},
		{"date of a stage not reached", Signed, Actual{StartedOn: day("2020-01-01")}, []string{"started_on:not_reached"}},
		{"future", Started, Actual{StartedOn: day("2021-04-16")}, []string{"started_on:in_future"}},
		{"today is fine", Started, Actual{StartedOn: day("2021-04-15")}, nil},
		{"out of order", Completed, Actual{StartedOn: day("2020-06-01"), CompletedOn: day("2020-05-01")}, []string{"completed_on:date_order"}},
		{"suspended has a start", Suspended, Actual{StartedOn: day("2020-06-01")}, nil},
		{"suspended never completed", Suspended, Actual{CompletedOn: day("2020-06-01")}, []string{"completed_on:not_reached"}},
		{"cancelled may have reached any", Cancelled, Actual{ProductionOn: day("2020-06-01")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, fieldCodes(t, ValidateEntry(tc.stage, tc.actual, today)))
		})
	}
}

// TestValidateOn: 入统 is a month that has begun, not after today's.
func TestValidateOn(t *testing.T) {
	t.Parallel()
	today := *day("2021-04-15")
	for _, tc := range []struct {
		name  string
		month *calendar.Month
		want  []string
	}{
		{"none", nil, nil},
		{"a past month", &calendar.Month{Year: 2020, Month: time.June}, nil},
		{"this month", &calendar.Month{Year: 2021, Month: time.April}, nil},
		{"next month", &calendar.Month{Year: 2021, Month: time.May}, []string{"in_statistics_since:in_future"}},
		{"2999-12", &calendar.Month{Year: 2999, Month: time.December}, []string{"in_statistics_since:in_future"}},
	} {
		f := validFields()
		f.InStatisticsSince = tc.month
		err := f.ValidateOn(today)
		if tc.want == nil {
			assert.NoError(t, err, tc.name)
			continue
		}
		assert.Equal(t, tc.want, fieldCodes(t, err), tc.name)
	}
}

func TestLatest(t *testing.T) {
	t.Parallel()
	assert.Nil(t, Actual{}.Latest())
	a := Actual{SignedOn: day("2020-01-01"), StartedOn: day("2020-09-01"), LandedOn: day("2020-03-01")}
	assert.Equal(t, day("2020-09-01"), a.Latest())
}

func TestToday(t *testing.T) {
	t.Parallel()
	// 2021-04-14 17:00 UTC is already the 15th in Shanghai.
	assert.Equal(t, *day("2021-04-15"), calendar.Today(time.Date(2021, 4, 14, 17, 0, 0, 0, time.UTC)))
	assert.Equal(t, *day("2021-04-14"), calendar.Today(time.Date(2021, 4, 14, 15, 59, 0, 0, time.UTC)))
}

func TestStageRank(t *testing.T) {
	t.Parallel()
	for i, s := range mainLine {
		assert.Equal(t, i, s.Rank(), s)
	}
	assert.Equal(t, Started.Rank(), Suspended.Rank())
	assert.Greater(t, Cancelled.Rank(), AtCapacity.Rank())
	assert.Len(t, Stages, len(mainLine)+2)
}
