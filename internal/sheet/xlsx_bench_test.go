package sheet

import (
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/guangling/pipeline/internal/exchange"
)

// registerRow is a row of the register file's columns, filled as a
// generated register fills them.
func registerRow(i int) []exchange.Cell {
	cols := exchange.Columns()
	cells := make([]exchange.Cell, len(cols))
	day := time.Date(2021, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
	for j, c := range cols {
		switch c.Kind {
		case exchange.TextCell:
			cells[j] = exchange.Cell{Kind: exchange.TextCell, Text: fmt.Sprintf("广灵县第%d号项目%s", i, c.Alias)}
		case exchange.IntegerCell:
			cells[j] = exchange.Cell{Kind: exchange.IntegerCell, Int: int64(1000000 + i*j)}
		case exchange.NumberCell:
			cells[j] = exchange.Cell{Kind: exchange.NumberCell, Number: float64(i*j) / 7}
		case exchange.DateCell:
			cells[j] = exchange.Cell{Kind: exchange.DateCell, Date: day}
		}
	}
	return cells
}

// BenchmarkXLSXRow measures a row of the register file's columns written
// by excelize's stream writer (SetRow alone: the floor of the writer the
// export used) and by the export's own writer (the XML, deflated, the
// archive sent on), and reports µs per row:
//
//	go test -run '^$' -bench XLSXRow -benchtime 200000x ./internal/sheet
func BenchmarkXLSXRow(b *testing.B) {
	rows := make([][]exchange.Cell, 1000)
	for i := range rows {
		rows[i] = registerRow(i)
	}
	// The machine is shared: the process's CPU time per row is the figure
	// to compare, the time per row only with it.
	perRow := func(b *testing.B, start time.Time, cpu time.Duration) {
		b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/row")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/row")
	}
	b.Run("excelize", func(b *testing.B) {
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		vals := make([]any, len(rows[0]))
		start, cpu := time.Now(), cpuTime()
		for i := 0; b.Loop(); i++ {
			for j, c := range rows[i%len(rows)] {
				switch c.Kind {
				case exchange.TextCell:
					vals[j] = c.Text
				case exchange.IntegerCell:
					vals[j] = c.Int
				case exchange.NumberCell:
					vals[j] = c.Number
				case exchange.DateCell:
					vals[j] = serial(c.Date)
				}
			}
			ref, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(ref, vals); err != nil {
				b.Fatal(err)
			}
		}
		perRow(b, start, cpu)
	})
	b.Run("writer", func(b *testing.B) {
		w, err := NewWriter(exchange.FormatXLSX, io.Discard, exchange.Columns(), nil)
		if err != nil {
			b.Fatal(err)
		}
		start, cpu := time.Now(), cpuTime()
		for i := 0; b.Loop(); i++ {
			if err := w.WriteRow(rows[i%len(rows)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		perRow(b, start, cpu)
	})
	b.Run("csv", func(b *testing.B) {
		w, err := NewWriter(exchange.FormatCSV, io.Discard, exchange.Columns(), nil)
		if err != nil {
			b.Fatal(err)
		}
		start, cpu := time.Now(), cpuTime()
		for i := 0; b.Loop(); i++ {
			if err := w.WriteRow(rows[i%len(rows)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		perRow(b, start, cpu)
	})
}

// cpuTime is the processor time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
