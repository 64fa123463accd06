package indicator_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/indicator"
	"github.com/guangling/pipeline/internal/indicator/indicatortest"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb).
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	indicatortest.StoreContract(t, indicatortest.NewStore())
}

var (
	admin        = identity.Principal{Subject: "u1", Name: "admin", Role: identity.RoleAdmin}
	bureau       = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
	leader       = identity.Principal{Subject: "u3", Name: "leader", Role: identity.RoleLeader}
	energyEditor = identity.Principal{Subject: "u4", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
	clientBlind  = identity.Principal{Subject: "c1", Name: "能源局系统", Role: identity.RoleDeptViewer, Department: "energy",
		ClientID: "pc_1", Scopes: []string{identity.ScopeEventsRead}}
)

var now = time.Date(2021, 4, 7, 17, 4, 5, 123456789, time.FixedZone("Asia/Shanghai", 8*3600))

// auditor records what it is given, and fails when told to.
type auditor struct {
	mu      sync.Mutex
	records []audit.Record
	fail    error
}

func (a *auditor) Append(_ context.Context, _ identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	a.records = append(a.records, r)
	return nil
}

func newService() (*indicator.Service, *indicatortest.Store, *auditor) {
	st, au := indicatortest.NewStore(), &auditor{}
	return indicator.NewService(st, st, au, func() time.Time { return now }), st, au
}

const source = "《关于广灵县2020年国民经济和社会发展计划执行情况与2021年国民经济和社会发展计划（草案）的报告》"

func report2020() []indicator.Item {
	return []indicator.Item{
		{Code: "fixed_asset_investment", Value: "374204", Source: source},
		{Code: "fixed_asset_investment_growth", Value: "13.5", Source: source},
		{Code: "investment_completed", Value: "42.89", Unit: "亿元", Period: "2020", Label: "建设项目完成投资", Source: source},
	}
}

// TestPut: the first list is created, filled with the codes' labels, units
// and the year as period, its values kept as written, and audited; a
// second needs If-Match and replaces it; the same list again changes
// nothing.
func TestPut(t *testing.T) {
	t.Parallel()
	svc, _, au := newService()
	ctx := context.Background()
	y, created, err := svc.Put(ctx, bureau, 2020, report2020(), 0)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, 1, y.Version)
	assert.Equal(t, "bureau", y.UpdatedBy)
	assert.Equal(t, now.UTC().Truncate(time.Microsecond), y.UpdatedAt)
	assert.Equal(t, indicator.Item{Code: "fixed_asset_investment", Label: "全社会固定资产投资", Value: "374204", Unit: "万元",
		Period: "2020", Source: source}, y.Items[0])
	assert.Equal(t, "13.5", y.Items[1].Value)
	require.Len(t, au.records, 1)
	assert.Equal(t, audit.Record{Action: indicator.ActionPut, ResourceType: indicator.ResourceType, ResourceID: "2020",
		After: au.records[0].After}, au.records[0])

	_, _, err = svc.Put(ctx, bureau, 2020, report2020(), 0)
	assert.Equal(t, apperr.PreconditionRequired, apperr.KindOf(err), "a list is replaced with If-Match only")
	_, _, err = svc.Put(ctx, bureau, 2020, report2020(), 7)
	assert.ErrorIs(t, err, apperr.ErrVersionConflict)

	same, created, err := svc.Put(ctx, admin, 2020, report2020(), 1)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, y, same, "the same list changes nothing")
	assert.Len(t, au.records, 1)

	changed := report2020()[:1]
	changed[0].Value = "374204.00"
	y2, created, err := svc.Put(ctx, admin, 2020, changed, 1)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, 2, y2.Version)
	assert.Equal(t, "374204.00", y2.Items[0].Value, "kept as written")
	require.Len(t, au.records, 2)
	assert.NotNil(t, au.records[1].Before)

	got, err := svc.Get(ctx, leader, 2020)
	require.NoError(t, err)
	assert.Equal(t, y2, got)
	years, err := svc.Years(ctx, energyEditor)
	require.NoError(t, err)
	assert.Equal(t, []int{2020}, years)

	_, _, err = svc.Put(ctx, bureau, 2021, report2020()[:2], 1)
	assert.ErrorIs(t, err, apperr.ErrVersionConflict, "If-Match for a year without a list")
}

// TestPermissions: the bureau and the administrator write; every reader
// of the register reads; a system without projects:read does not.
func TestPermissions(t *testing.T) {
	t.Parallel()
	svc, _, au := newService()
	ctx := context.Background()
	for _, p := range []identity.Principal{leader, energyEditor, clientBlind, {Name: "nobody"}} {
		_, _, err := svc.Put(ctx, p, 2020, report2020(), 0)
		assert.Equal(t, apperr.Forbidden, apperr.KindOf(err), p.Name)
	}
	assert.Empty(t, au.records)
	_, err := svc.Get(ctx, clientBlind, 2020)
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(err))
	_, err = svc.Years(ctx, clientBlind)
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(err))
	_, err = svc.Get(ctx, leader, 2020)
	assert.ErrorIs(t, err, indicator.ErrNone)
	_, err = svc.Get(ctx, leader, 1999)
	assert.ErrorIs(t, err, indicator.ErrNone)
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	for _, f := range apperr.As(err).Fields {
		out[f.Field] = f.Code
	}
	return out
}

// TestValidate: every problem of a list at once, each naming its item.
func TestValidate(t *testing.T) {
	t.Parallel()
	item := func(mod func(*indicator.Item)) []indicator.Item {
		it := indicator.Item{Code: "start_rate_target", Value: "75", Period: "2021-06-30", Source: source}
		mod(&it)
		return []indicator.Item{it}
	}
	cases := []struct {
		name  string
		year  int
		items []indicator.Item
		want  map[string]string
	}{
		{"fine", 2021, item(func(*indicator.Item) {}), map[string]string{}},
		{"no items", 2021, nil, map[string]string{"items": "required"}},
		{"too many", 2021, make([]indicator.Item, indicator.MaxItems+1), nil},
		{"unknown code", 2021, item(func(i *indicator.Item) { i.Code = "gdp" }), map[string]string{"items[0].code": "invalid_value", "items[0].label": "required"}},
		{"a float", 2021, item(func(i *indicator.Item) { i.Value = "1e3" }), map[string]string{"items[0].value": "invalid_format"}},
		{"no value", 2021, item(func(i *indicator.Item) { i.Value = "" }), map[string]string{"items[0].value": "invalid_format"}},
		{"leading zero", 2021, item(func(i *indicator.Item) { i.Value = "075" }), map[string]string{"items[0].value": "invalid_format"}},
		{"negative growth", 2021, item(func(i *indicator.Item) { i.Code, i.Unit, i.Value = "fixed_asset_investment_growth", "%", "-3.5" }), map[string]string{}},
		{"another unit", 2021, item(func(i *indicator.Item) { i.Unit = "个" }), map[string]string{"items[0].unit": "invalid_value"}},
		{"a month", 2021, item(func(i *indicator.Item) { i.Period = "2021-06" }), map[string]string{}},
		{"another year", 2021, item(func(i *indicator.Item) { i.Period = "2020" }), map[string]string{"items[0].period": "out_of_range"}},
		{"no such day", 2021, item(func(i *indicator.Item) { i.Period = "2021-02-30" }), map[string]string{"items[0].period": "invalid_format"}},
		{"not a period", 2021, item(func(i *indicator.Item) { i.Period = "上半年" }), map[string]string{"items[0].period": "invalid_format"}},
		{"no source", 2021, item(func(i *indicator.Item) { i.Source = " " }), map[string]string{"items[0].source": "required"}},
		{"long label", 2021, item(func(i *indicator.Item) { i.Label = strings.Repeat("字", 101) }), map[string]string{"items[0].label": "too_long"}},
		{"year out of range", 1999, item(func(*indicator.Item) {}), map[string]string{"year": "out_of_range"}},
		{"too far ahead", 2032, item(func(*indicator.Item) {}), map[string]string{"year": "out_of_range"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			svc, _, au := newService()
			_, _, err := svc.Put(context.Background(), bureau, c.year, c.items, 0)
			if c.want == nil {
				assert.Equal(t, apperr.Invalid, apperr.KindOf(err))
				return
			}
			assert.Equal(t, c.want, fieldsOf(err))
			if len(c.want) > 0 {
				assert.Empty(t, au.records)
			}
		})
	}
	twice := append(item(func(*indicator.Item) {}), item(func(*indicator.Item) {})...)
	svc, _, _ := newService()
	_, _, err := svc.Put(context.Background(), bureau, 2021, twice, 0)
	assert.Equal(t, map[string]string{"items[1].code": "not_unique"}, fieldsOf(err))
	twice[1].Period = "2021-12-31"
	_, _, err = svc.Put(context.Background(), bureau, 2021, twice, 0)
	assert.NoError(t, err, "a code twice, for two periods")
}

// TestFailures: a change whose audit entry or store fails leaves nothing,
// and an internal failure names the operation.
func TestFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st, au := newService()
	boom := errors.New("boom")
	au.fail = boom
	_, _, err := svc.Put(ctx, bureau, 2020, report2020(), 0)
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "indicator.Service.Put(2020)")
	_, err = svc.Get(ctx, bureau, 2020)
	assert.ErrorIs(t, err, indicator.ErrNone, "rolled back")
	au.fail = nil

	st.Fail("Get", boom)
	_, _, err = svc.Put(ctx, bureau, 2020, report2020(), 0)
	assert.ErrorIs(t, err, boom)
	_, err = svc.Get(ctx, bureau, 2020)
	assert.ErrorIs(t, err, boom)
	st.Fail("Get", nil)
	st.Fail("Put", boom)
	_, _, err = svc.Put(ctx, bureau, 2020, report2020(), 0)
	assert.ErrorIs(t, err, boom)
	st.Fail("Put", nil)
	st.Fail("Years", boom)
	_, err = svc.Years(ctx, bureau)
	assert.ErrorIs(t, err, boom)
	st.Fail("Years", nil)
	st.Fail("InTx", boom)
	_, _, err = svc.Put(ctx, bureau, 2020, report2020(), 0)
	assert.ErrorIs(t, err, boom)
}

// TestDefinitions: every code is defined once, with a unit and its names.
func TestDefinitions(t *testing.T) {
	t.Parallel()
	seen := map[indicator.Code]bool{}
	for _, d := range indicator.Definitions {
		assert.False(t, seen[d.Code], d.Code)
		seen[d.Code] = true
		assert.NotEmpty(t, d.ZH)
		assert.NotEmpty(t, d.EN)
		assert.Contains(t, []string{"万元", "亿元", "%", "个"}, d.Unit, d.Code)
		got, ok := indicator.Of(d.Code)
		assert.True(t, ok)
		assert.Equal(t, d, got)
	}
	_, ok := indicator.Of("gdp")
	assert.False(t, ok)
}
