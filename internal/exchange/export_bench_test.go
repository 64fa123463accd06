package exchange_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/project"
)

// BenchmarkExportRow makes the cells of a project with most of the
// register file's fields given, as an export does for every row:
//
//	go test -run '^$' -bench ExportRow ./internal/exchange
func BenchmarkExportRow(b *testing.B) {
	p := seed()[0]
	p.Leader, p.Company, p.Township, p.BuildType, p.KeyLevel = "张县长", "晨风新能源有限公司", "作疃乡", "new", "city"
	p.PlannedStartDate, p.PlannedCompletionDate = day("2021-05-01"), day("2022-06-30")
	p.InStatisticsSince = &calendar.Month{Year: 2021, Month: 3}
	p.ExpectedJobs, p.LandNeededMu, p.Investor = ptr(120), ptr(35.5), "晨风集团"
	p.Leaders = []project.Leader{{Name: "张县长", Lead: true}}
	var cells []exchange.Cell
	b.ReportAllocs()
	for b.Loop() {
		cells = exchange.ExportRow(&p, cells)
	}
}
