package exchange

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projecttest"
)

func TestColumns(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range Columns() {
		assert.False(t, seen[c.Header], "header %s is unique", c.Header)
		assert.False(t, seen[c.Alias], "alias %s is unique", c.Alias)
		seen[c.Header], seen[c.Alias] = true, true
		assert.Same(t, columnOf(c.Header), columnOf(c.Alias), "%s and %s name one column", c.Header, c.Alias)
		assert.NotEmpty(t, c.Field)
	}
	// Hand-typed headers: ASCII parentheses and spaces.
	require.NotNil(t, columnOf(" 总投资 (元) "))
	assert.Equal(t, HeaderInvestment, columnOf(" 总投资 (元) ").Header)
	assert.Nil(t, columnOf("备注"))
	// The 万元 column follows the yuan column it is computed from.
	cols := Columns()
	for i, c := range cols {
		if c.Source != "" {
			assert.Equal(t, c.Source, cols[i-1].Header)
		}
	}
}

func TestParseCells(t *testing.T) {
	t.Parallel()
	yuan := []struct {
		in   string
		want int64
		code string
	}{
		{"80000000", 80000000, ""},
		{"80,000,000", 80000000, ""},
		{"80000000.00", 80000000, ""},
		{"0", 0, ""},
		{"-5", -5, ""}, // refused by validation (out_of_range), not here
		{"1.5", 0, "invalid_type"},
		{"8E7", 0, "invalid_type"},
		{"八千万", 0, "invalid_type"},
		{"１２", 0, "invalid_type"},
		{"99999999999999999999", 0, "out_of_range"},
	}
	for _, c := range yuan {
		n, code, _ := parseYuan(c.in)
		assert.Equal(t, c.code, code, "yuan %q", c.in)
		if c.code == "" {
			require.NotNil(t, n, "yuan %q", c.in)
			assert.Equal(t, c.want, *n, "yuan %q", c.in)
		}
	}
	n, code, _ := parseYuan("")
	assert.Nil(t, n)
	assert.Empty(t, code)

	wan := []struct {
		in   string
		want int64
		code string
	}{
		{"34000", 340000000, ""},
		{"12345.6789", 123456789, ""},
		{"0.0001", 1, ""},
		{"1,234.5", 12345000, ""},
		{"0.00001", 0, "invalid_type"},
		{"abc", 0, "invalid_type"},
		{"-1", 0, "out_of_range"},
	}
	for _, c := range wan {
		n, code, _ := parseWan(c.in)
		assert.Equal(t, c.code, code, "wan %q", c.in)
		if c.code == "" {
			assert.Equal(t, c.want, n, "wan %q", c.in)
		}
	}

	days := []struct {
		in   string
		want string // "" for refused
	}{
		{"2021-06-01", "2021-06-01"},
		{"2021/6/1", "2021-06-01"},
		{"2021.06.01", "2021-06-01"},
		{"2021年6月1日", "2021-06-01"},
		{"44348", "2021-06-01"}, // a date cell's serial number
		{"44348.0", "2021-06-01"},
		{"61", "1900-03-01"},
		{"59", "1900-02-28"},
		{"1", "1900-01-01"},
		{"0", ""},
		{"2021-02-30", ""},
		{"2021-13-01", ""},
		{"01/06/2021", ""}, // day and month order is ambiguous
		{"44348.5", ""},
		{"60", ""}, // the fictitious 29 February 1900
		{"3000-01-01", ""},
		{"明天", ""},
	}
	for _, c := range days {
		d, ok := parseDay(c.in)
		if c.want == "" {
			assert.False(t, ok, "date %q", c.in)
			continue
		}
		require.True(t, ok, "date %q", c.in)
		assert.Equal(t, c.want, d.Format(time.DateOnly), "date %q", c.in)
		assert.Equal(t, time.UTC, d.Location())
	}

	months := map[string]string{ // "" for refused
		"2021-03": "2021-03", "2021-03-15": "2021-03", "2021/3/15": "2021-03", "44270": "2021-03",
		"2021-13": "", "2021-3": "", "1999-12": "", "1": "", "三月": "",
	}
	for in, want := range months {
		m, ok := parseMonth(in)
		if want == "" {
			assert.False(t, ok, "month %q", in)
			continue
		}
		require.True(t, ok, "month %q", in)
		assert.Equal(t, want, m.String(), "month %q", in)
	}
	m, ok := parseMonth("")
	assert.True(t, ok)
	assert.Nil(t, m)

	for in, ok := range map[string]bool{"50": true, "0.5": true, "1,000.25": true, "1e3": true, "NaN": false, "Inf": false, "0x10": false, "": false} {
		_, got := parseNumber(in)
		assert.Equal(t, ok, got, "number %q", in)
	}
}

// TestRowRoundTrip writes projects into rows and reads the rows' text back:
// every column gives back what it wrote.
func TestRowRoundTrip(t *testing.T) {
	t.Parallel()
	full := project.Project{ID: "0190a4d2-0000-7000-8000-000000000001", Version: 3, Fields: validFields(), Stage: project.Started,
		Actual: project.Actual{SignedOn: day("2020-03-01"), LandedOn: day("2020-05-01"), StartedOn: day("2020-09-30")}, Health: health.Yellow}
	full.Code = ptr("2021-140223-44-01-000001")
	full.Leader, full.Company, full.Township = "县长", "晨风新能源有限公司", "作疃乡"
	full.Capacity, full.TotalInvestmentYuan = ptr(12.75), ptr(int64(123_456_789))
	full.ExpectedAnnualOutputYuan = ptr(int64(50_000_000))
	full.PlannedSignDate, full.PlannedStartDate = day("2020-02-01"), day("2020-09-01")
	full.PlannedCompletionDate, full.PlannedProductionDate = day("2021-12-31"), day("2022-03-01")
	full.InStatisticsSince = &calendar.Month{Year: 2020, Month: time.October}
	full.Category = "real_estate"
	projecttest.CopyFile(&full.Fields, project.Fields{
		InvestmentType: "enterprise", InDevelopmentZone: ptr(true), ConstructionNature: "technical_renovation", WorksKind: "building",
		ExpectedAnnualTaxYuan: ptr(int64(3_000_000)), ExpectedJobs: ptr(1_200), LandNeededMu: ptr(88.5), LandSecuredMu: ptr(90.0),
		NewConstructionLandMu: ptr(60.25), ArableLandMu: ptr(12.0), ForestLandMu: ptr(0.75), EnergyNeededTCE: ptr(1500.0),
		EnergySecuredTCE: ptr(1000.0), WaterNeeded10kM3: ptr(2.5), WaterSecured10kM3: ptr(2.0), PowerNeededKVA: ptr(8000.0),
		PowerSecuredKVA: ptr(6300.0), ContractAmountYuan: ptr(int64(100_000_000)), Investor: "北京某集团", InvestorOrigin: "jingjinji",
		AttractingUnit: "县招商服务中心", OwnerContactName: "赵经理", OwnerContactPhone: "13812345678", TaskForce: "专班",
		PredecessorID: ptr("0190a4d2-0000-7000-8000-000000000009"), ParentID: ptr("0190a4d2-0000-7000-8000-000000000008"),
	})
	bare := project.Project{ID: "0190a4d2-0000-7000-8000-000000000002", Version: 1, Stage: project.Planning, Health: health.Green,
		Fields: project.Fields{Name: "谋划中的项目", Category: "other", Department: "drc", BuildType: project.New, KeyLevel: "none"}}

	imp := &importer{depts: departmentKeys([]department.Department{{Code: "energy", Name: "能源局"}, {Code: "drc", Name: "发展和改革局"}})}
	for _, p := range []project.Project{full, bare} {
		cells := ExportRow(&p, nil)
		require.Len(t, cells, len(columns))
		in := rowInput{imp: imp}
		for i, c := range columns {
			if c.set == nil {
				continue
			}
			code, param := c.set(&in, cells[i].String())
			require.Empty(t, code, "%s: %s %s", c.Header, code, param)
		}
		want := p.Fields
		want.Funding = nil // not in the file
		assert.Equal(t, want, in.p.Fields)
		assert.Equal(t, p.Stage, in.p.Stage)
		assert.Equal(t, p.Actual, in.p.Actual)
		if p.TotalInvestmentYuan != nil {
			assert.Equal(t, *p.TotalInvestmentYuan, *in.wan, "万元 agrees with yuan")
		}
	}

	cells := ExportRow(&full, nil)
	byHeader := map[string]Cell{}
	for i, c := range columns {
		byHeader[c.Header] = cells[i]
	}
	assert.Equal(t, Cell{Kind: TextCell, Text: "光伏发电"}, ExportRow(&project.Project{Fields: project.Fields{Category: "solar_pv"}}, nil)[4])
	assert.Equal(t, "12345.6789", byHeader[HeaderWan].String())
	assert.Equal(t, "开工", byHeader[HeaderStage].Text)
	assert.Equal(t, "黄灯", byHeader["健康状态"].Text)
	assert.Equal(t, "2020-09-30", byHeader["开工日期"].String())
	assert.Equal(t, DateCell, byHeader["开工日期"].Kind)
	assert.Equal(t, "12.75", byHeader["建设规模"].String())
	assert.Equal(t, "是", byHeader["是否在开发区内"].Text)
	assert.Equal(t, "京津冀", byHeader["投资方来源地"].Text)
	assert.Equal(t, "技改", byHeader["建设性质（统计）"].Text)
	assert.Equal(t, EmptyCell, ExportRow(&bare, nil)[2].Kind, "no code, an empty cell")
	assert.Equal(t, "2020-10", byHeader["入统月份"].String())
	assert.Equal(t, "房地产开发", byHeader[HeaderCategory].Text)
	assert.Equal(t, "未定级", byHeader["重点级别"].Text)
	assert.Equal(t, "材料（未细分）", ExportRow(&project.Project{Fields: project.Fields{Category: "materials"}}, nil)[4].Text,
		"the category before the split, as it reads now")
}

// TestFormerLabels: a file exported before a label changed imports as it
// was meant; 新材料 is now new_materials' label.
func TestFormerLabels(t *testing.T) {
	t.Parallel()
	for header, cases := range map[string]map[string]string{
		"重点级别": {"一般项目": "none", "未定级": "none", "县级重点": "county"},
		HeaderCategory: {"新材料": "new_materials", "原材料": "raw_materials", "材料（未细分）": "materials", "materials": "materials",
			"房地产开发": "real_estate"},
	} {
		c := columnOf(header)
		for in, want := range cases {
			var r rowInput
			code, _ := c.set(&r, in)
			require.Empty(t, code, "%s %q", header, in)
			assert.Equal(t, want, string(r.p.KeyLevel)+string(r.p.Category), "%s %q", header, in)
		}
	}
	var r rowInput
	code, _ := columnOf(HeaderCategory).set(&r, "一般项目")
	assert.Equal(t, "invalid_value", code, "a former label of another column")
}

func TestDepartmentKeys(t *testing.T) {
	t.Parallel()
	keys := departmentKeys([]department.Department{{Code: "energy", Name: "能源局"}, {Code: "water", Name: "水务局"}, {Code: "water2", Name: "水务局"}})
	assert.Equal(t, "energy", keys["能源局"])
	assert.Equal(t, "energy", keys["energy"])
	_, ambiguous := keys["水务局"]
	assert.False(t, ambiguous, "a name two departments share names neither")
}

// TestRowError: a row whose write fails after the check (a change made
// meanwhile) becomes that row's errors; anything else stays an error.
func TestRowError(t *testing.T) {
	t.Parallel()
	cells := func(err error) []CellError {
		t.Helper()
		var rf rowFailure
		require.ErrorAs(t, rowError(4, err), &rf)
		assert.Equal(t, 4, rf.i)
		return rf.errs
	}
	assert.Equal(t, []CellError{{Column: "项目代码", Field: "code", Code: "not_unique"}},
		cells(&apperr.Error{Kind: apperr.Conflict, Fields: []apperr.FieldError{{Field: "code", Code: "not_unique"}}}))
	assert.Equal(t, []CellError{{Column: HeaderDepartment, Field: "department", Code: "unknown"}},
		cells(apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})))
	assert.Equal(t, []CellError{{Column: HeaderVersion, Field: "version", Code: "version_conflict"}}, cells(apperr.ErrVersionConflict))
	assert.Equal(t, []CellError{{Column: HeaderID, Field: "id", Code: "not_found"}}, cells(apperr.ErrNotFound))
	assert.Equal(t, []CellError{{Column: HeaderID, Field: "id", Code: "conflict"}}, cells(project.ErrArchived))
	internal := errors.New("connection reset")
	assert.Same(t, internal, rowError(4, internal))
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(rowError(4, project.CanWrite(identity.Principal{Role: identity.RoleLeader}))))
}

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

func validFields() project.Fields {
	return project.Fields{
		Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy", BuildType: project.New, KeyLevel: "none",
		Capacity: ptr(50.0), CapacityUnit: "MW", TotalInvestmentYuan: ptr(int64(400_000_000)),
		Funding: []project.Funding{{Source: "enterprise", PlannedYuan: 1, ReceivedYuan: 0}},
	}
}
