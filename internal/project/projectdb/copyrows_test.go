package projectdb

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	var got []project.Project
	rd := newCopyReader(func(p *project.Project) error {
		got = append(got, *p)
		return nil
	})
	// A row split between two writes, then two rows in one.
	half := len(row) / 2
	for _, chunk := range []string{row[:half], row[half:], row + row} {
		n, err := rd.Write([]byte(chunk))
		require.NoError(t, err)
		assert.Equal(t, len(chunk), n)
	}
	require.NoError(t, rd.end())
	require.Len(t, got, 3)
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

	_, err := rd.Write([]byte("too\tfew\n"))
	assert.ErrorContains(t, err, "fields")
	cut := newCopyReader(func(*project.Project) error { return nil })
	_, err = cut.Write([]byte(row[:10]))
	require.NoError(t, err)
	assert.ErrorIs(t, cut.end(), errCopyCutShort)
	bad := newCopyReader(func(*project.Project) error { return nil })
	_, err = bad.Write([]byte(strings.Replace(row, "\t3\n", "\tthree\n", 1)))
	assert.ErrorContains(t, err, "version")
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
