package projectdb

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/schema"

	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// copyLine is a row of COPY's text format with every column given: a
// field of its own where the map has one, else \N.
func copyLine(fields map[string]string) string {
	out := make([]string, len(copyColumns))
	for i, c := range copyColumns {
		v, ok := fields[c.name]
		if !ok {
			v = `\N`
		}
		out[i] = v
	}
	return strings.Join(out, "\t") + "\n"
}

func TestCopyReader(t *testing.T) {
	t.Parallel()
	row := copyLine(map[string]string{
		"id": "0190a8e4-0000-7000-8000-000000000001", "name": `tab\there\\back\nline\rcr`, "category": "wind",
		"department": "energy", "leader": "张县长", "capacity": "1e+20", "total_investment_yuan": "9007199254740993",
		"planned_start_date": "1900-01-05", "in_statistics_since": "2021-03", "in_development_zone": "t",
		"expected_jobs": "12", "leaders": `[{"name": "张县长", "lead": true, "username": "zhang"}]`,
		"predecessor_id": "0190A8E4-0000-7000-8000-000000000002", "stage": "started", "health": "red",
		"version": "3", "code": "",
	})
	// The project is fn's only during its call: what it holds is copied.
	var got []project.Project
	rd := newCopyReader(func(p *project.Project) error {
		got = append(got, deepCopy(t, p))
		return nil
	})
	// A row split between two writes, then two rows in one, then a row of
	// NULLs, which must not keep the values before it.
	half := len(row) / 2
	for _, chunk := range []string{row[:half], row[half:], row + row, copyLine(map[string]string{"version": "1"})} {
		n, err := rd.Write([]byte(chunk))
		require.NoError(t, err)
		assert.Equal(t, len(chunk), n)
	}
	require.NoError(t, rd.end())
	require.Len(t, got, 4)
	p := got[0]
	assert.Equal(t, "tab\there\\back\nline\rcr", p.Name, "escapes undone")
	assert.Equal(t, 1e20, *p.Capacity)
	assert.Equal(t, int64(9007199254740993), *p.TotalInvestmentYuan)
	assert.Equal(t, "1900-01-05", p.PlannedStartDate.Format("2006-01-02"))
	assert.Equal(t, "2021-03", p.InStatisticsSince.String())
	assert.True(t, *p.InDevelopmentZone)
	assert.Equal(t, 12, *p.ExpectedJobs)
	assert.Equal(t, []project.Leader{{Name: "张县长", Lead: true, Username: "zhang"}}, p.Leaders)
	assert.Equal(t, "0190a8e4-0000-7000-8000-000000000002", *p.PredecessorID, "IDs as the register writes them")
	assert.Equal(t, "", *p.Code, "an empty text is not NULL")
	assert.Nil(t, p.ExpectedAnnualOutputYuan, "NULL")
	assert.Equal(t, 3, p.Version)
	assert.Equal(t, got[0], got[2])
	assert.Equal(t, project.Project{Fields: project.Fields{Leaders: []project.Leader{}, Funding: []project.Funding{},
		FundsArrived: []project.FundsArrived{}, CooperatingUnits: []string{}}, HealthReasons: []health.Reason{}, Version: 1}, got[3])

	_, err := rd.Write([]byte("too\tfew\n"))
	assert.ErrorContains(t, err, "fields")
	cut := newCopyReader(func(*project.Project) error { return nil })
	_, err = cut.Write([]byte(row[:10]))
	require.NoError(t, err)
	assert.ErrorIs(t, cut.end(), errCopyCutShort)
	bad := newCopyReader(func(*project.Project) error { return nil })
	_, err = bad.Write([]byte(strings.Replace(row, "\t3\n", "\tthree\n", 1)))
	assert.ErrorContains(t, err, "version")
	_, err = bad.Write([]byte(strings.Replace(row, `"zhang"}]`, `"zhang"`, 1)))
	assert.ErrorContains(t, err, "leaders")
}

// TestCopyColumnsOrder: the leaders are read after the leader, whose name
// they are compared with (setLeaders).
func TestCopyColumnsOrder(t *testing.T) {
	t.Parallel()
	cols := streamColumns()
	assert.Less(t, slices.Index(cols, "leader"), slices.Index(cols, "leaders"))
	assert.NotEqual(t, -1, slices.Index(cols, "leader"))
}

// TestCopyReaderAsList holds the reader to toProject: a row of the file's
// columns decodes to what List makes of the same row.
func TestCopyReaderAsList(t *testing.T) {
	t.Parallel()
	day := time.Date(2021, 4, 30, 0, 0, 0, 0, time.UTC)
	str, f, n := func(s string) *string { return &s }, func(v float64) *float64 { return &v }, func(v int64) *int64 { return &v }
	jobs, zone := 40, false
	for _, tc := range []struct {
		name, leader, leaders string // leaders "" for NULL
		month                 string
		want                  []project.Leader
	}{
		{"the leader as the register writes it", "张县长", `[{"lead": true, "name": "张县长"}]`, "2021-03", nil},
		{"more leaders", "张县长", `[{"name": "李局长"}, {"lead": true, "name": "张县长", "username": "zhang"}]`, "2021-03", nil},
		{"none", "", `[]`, "2021-03", nil},
		{"a leader written before the list", "王书记", `[]`, "2021-03", []project.Leader{{Name: "王书记", Lead: true}}},
		{"another lead", "王书记", `[{"lead": true, "name": "张县长"}]`, "2021-03", []project.Leader{{Name: "王书记", Lead: true}}},
		{"a leader JSON escapes", `赵"一"`, `[{"lead": true, "name": "赵\"一\""}]`, "2021-03", nil},
		{"no list at all, and a month not YYYY-MM", "王书记", "", "2021-3", []project.Leader{{Name: "王书记", Lead: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := projectRow{ID: "0190a8e4-0000-7000-8000-000000000001", Code: str("GL-1"), Name: "晨风风电", Category: "wind",
				Department: "energy", Leader: tc.leader, Company: "晨风新能源", Township: "作疃乡", Capacity: f(50.5),
				CapacityUnit: "MW", TotalInvestmentYuan: n(340000000), BuildType: "new", KeyLevel: "city",
				PlannedSignDate: &day, InStatisticsSince: str(tc.month), InvestmentType: "private", InDevelopmentZone: &zone,
				ConstructionNature: "new", WorksKind: "industry", ExpectedAnnualTaxYuan: n(1), ExpectedJobs: &jobs,
				LandNeededMu: f(12.25), WaterSecured_10kM3: f(0.1), ContractAmountYuan: n(5), Investor: "某公司",
				InvestorOrigin: "province", AttractingUnit: "招商局", OwnerContactName: "刘", OwnerContactPhone: "13800000000",
				TaskForce: "专班", ParentID: str("0190A8E4-0000-7000-8000-000000000009"), Stage: "started",
				StartedOn: &day, AtCapacityOn: &day, Health: "yellow", Version: 7}
			fields := map[string]string{}
			if tc.leaders != "" {
				require.NoError(t, r.Leaders.Scan([]byte(tc.leaders)))
				fields["leaders"] = copyEscape.Replace(tc.leaders)
			}
			for _, c := range copyColumns {
				if v, ok := copyText(t, r, c.name); ok {
					fields[c.name] = copyEscape.Replace(v)
				}
			}
			var got project.Project
			rd := newCopyReader(func(p *project.Project) error {
				got = deepCopy(t, p)
				return nil
			})
			_, err := rd.Write([]byte(copyLine(fields)))
			require.NoError(t, err)
			want := toProject(r)
			if tc.want != nil {
				assert.Equal(t, tc.want, want.Leaders)
			}
			assert.Equal(t, want, got)
		})
	}
}

// copyText is column name of r as COPY's text format writes it, escapes
// aside; false for NULL.
func copyText(t *testing.T, r projectRow, name string) (string, bool) {
	t.Helper()
	v := reflect.ValueOf(r).FieldByNameFunc(func(f string) bool {
		return strings.ReplaceAll(schema.NamingStrategy{}.ColumnName("", f), "_", "") == strings.ReplaceAll(name, "_", "")
	})
	require.True(t, v.IsValid(), name)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.Format(time.DateOnly), true
	case bool:
		return map[bool]string{true: "t", false: "f"}[x], true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case jsonValue[[]project.Leader]:
		return "", false // given by the case
	}
	return fmt.Sprint(v.Interface()), true
}

// copyEscape writes a text as a field of COPY's text format.
var copyEscape = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

// deepCopy is p with nothing shared with it.
func deepCopy(t *testing.T, p *project.Project) project.Project {
	t.Helper()
	b, err := json.Marshal(p)
	require.NoError(t, err)
	var out project.Project
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// BenchmarkCopyReader decodes rows of a generated register's shape:
//
//	go test -run '^$' -bench CopyReader ./internal/project/projectdb
func BenchmarkCopyReader(b *testing.B) {
	row := []byte(copyLine(map[string]string{
		"id": "0190a8e4-0000-7000-8000-000000000001", "name": "广陵县第1号重点项目（风光储一体化）", "category": "wind",
		"department": "energy", "leader": "张县长", "company": "晨风新能源有限公司", "township": "作疃乡", "capacity": "50.5",
		"capacity_unit": "MW", "total_investment_yuan": "340000000", "expected_annual_output_yuan": "45000000",
		"build_type": "new", "key_level": "city", "planned_sign_date": "2021-03-31", "planned_start_date": "2021-05-01",
		"planned_completion_date": "2022-06-30", "planned_production_date": "2022-09-30", "signed_on": "2021-04-01",
		"leaders": `[{"lead": true, "name": "张县长"}]`, "stage": "started", "health": "green", "version": "1",
		"investment_type": "", "construction_nature": "", "works_kind": "", "investor": "", "investor_origin": "",
		"attracting_unit": "", "owner_contact_name": "", "owner_contact_phone": "", "task_force": "",
	}))
	rd := newCopyReader(func(*project.Project) error { return nil })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rd.Write(row); err != nil {
			b.Fatal(err)
		}
	}
}
