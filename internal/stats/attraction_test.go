package stats

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/internal/project"
)

func amount(v int64) *int64 { return &v }

// TestConversions: which rows each rate of the attraction statistics counts,
// one row at a time, as of 2021-06-30.
func TestConversions(t *testing.T) {
	type counted struct{ den, num, pending, cancelled bool }
	for _, tc := range []struct {
		name             string
		row              Row
		landing, started counted
	}{
		{"signed and landed in the year, not started",
			Row{SignedOn: day("2021-02-01"), LandedOn: day("2021-04-01"), Stage: project.Landed},
			counted{den: true, num: true}, counted{den: true, pending: true}},
		{"signed, landed and started",
			Row{SignedOn: day("2021-02-01"), LandedOn: day("2021-04-01"), StartedOn: day("2021-06-30"), Stage: project.Started},
			counted{den: true, num: true}, counted{den: true, num: true}},
		{"signed, not landed: the list to chase",
			Row{SignedOn: day("2021-03-01"), Stage: project.Signed},
			counted{den: true, pending: true}, counted{}},
		{"signed, landed after as_of",
			Row{SignedOn: day("2021-03-01"), LandedOn: day("2021-07-01"), Stage: project.Landed,
				History: hist("signed@2021-03-01", "landed@2021-07-01")},
			counted{den: true, pending: true}, counted{}},
		{"signed after as_of", Row{SignedOn: day("2021-07-01"), Stage: project.Signed}, counted{}, counted{}},
		{"signed the year before, landed in the year",
			Row{SignedOn: day("2020-11-01"), LandedOn: day("2021-01-01"), Stage: project.Landed},
			counted{}, counted{den: true, pending: true}},
		{"signed, then cancelled",
			Row{SignedOn: day("2021-02-01"), Stage: project.Cancelled, History: hist("signed@2021-02-01", "cancelled@2021-05-01")},
			counted{den: true, cancelled: true}, counted{}},
		{"cancelled after as_of: still to chase on as_of",
			Row{SignedOn: day("2021-02-01"), Stage: project.Cancelled, History: hist("signed@2021-02-01", "cancelled@2021-08-01")},
			counted{den: true, pending: true}, counted{}},
		{"signed, 落地 skipped: landed on its start",
			Row{SignedOn: day("2021-02-01"), StartedOn: day("2021-05-01"), Stage: project.Started},
			counted{den: true, num: true}, counted{den: true, num: true}},
		{"never signed, 落地 skipped: no landing",
			Row{StartedOn: day("2021-05-01"), Stage: project.Started}, counted{}, counted{}},
		{"never signed, landed: counts from its landing",
			Row{LandedOn: day("2021-03-01"), Stage: project.Landed}, counted{}, counted{den: true, pending: true}},
		{"landed, 开工 skipped: started on its completion",
			Row{LandedOn: day("2021-03-01"), CompletedOn: day("2021-06-01"), Stage: project.Completed},
			counted{}, counted{den: true, num: true}},
		{"landed, suspended: its first start counts",
			Row{LandedOn: day("2021-03-01"), StartedOn: day("2021-04-01"), Stage: project.Suspended},
			counted{}, counted{den: true, num: true}},
		{"landed, then cancelled",
			Row{LandedOn: day("2021-03-01"), Stage: project.Cancelled, History: hist("landed@2021-03-01", "cancelled@2021-04-01")},
			counted{}, counted{den: true, cancelled: true}},
		{"a landing undone by a correction: its date is cleared",
			Row{SignedOn: day("2021-02-01"), Stage: project.Signed,
				History: hist("signed@2021-02-01", "landed@2021-03-01", "signed@2021-07-01")},
			counted{den: true, pending: true}, counted{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.row.ID = "A"
			a := computeAttraction(slices.Values([]Row{tc.row}), 2021, *day("2021-06-30"))
			for _, c := range []struct {
				name string
				got  Conversion
				want counted
			}{{"签约→落地", a.SigningToLanding, tc.landing}, {"落地→开工", a.LandingToStart, tc.started}} {
				got := counted{den: c.got.Denominator == 1, num: c.got.Numerator == 1,
					pending: len(c.got.PendingIDs) == 1, cancelled: len(c.got.CancelledIDs) == 1}
				assert.Equal(t, c.want, got, c.name)
				assert.Equal(t, c.got.Denominator, int64(len(c.got.DenominatorIDs)), c.name)
			}
		})
	}
}

// TestAttractionByOrigin: the projects signed in the year by as_of, by
// origin in the fixed order, unknown last, with their amounts.
func TestAttractionByOrigin(t *testing.T) {
	rows := []Row{
		{ID: "A", SignedOn: day("2021-01-10"), LandedOn: day("2021-03-01"), InvestorOrigin: "jingjinji",
			ContractAmountYuan: amount(500_000_000), TotalInvestmentYuan: 800_000_000, FundsArrivedYuan: amount(120_000_000)},
		{ID: "B", SignedOn: day("2021-04-01"), InvestorOrigin: "jingjinji", TotalInvestmentYuan: 50_000_000},
		{ID: "C", SignedOn: day("2021-05-20"), InvestorOrigin: "yangtze_delta", ContractAmountYuan: amount(30_000_000),
			TotalInvestmentYuan: 40_000_000, Stage: project.Signed},
		{ID: "D", SignedOn: day("2021-02-02"), ContractAmountYuan: amount(10_000_000), TotalInvestmentYuan: 10_000_000},
		// Signed before the year: its funds count in the year's, not in a signing.
		{ID: "E", SignedOn: day("2020-06-01"), LandedOn: day("2020-09-01"), InvestorOrigin: "pearl_delta",
			ContractAmountYuan: amount(200_000_000), FundsArrivedYuan: amount(60_000_000)},
		// Signed after as_of.
		{ID: "F", SignedOn: day("2021-07-01"), InvestorOrigin: "overseas", ContractAmountYuan: amount(1)},
		// Funds recorded for the year without a contract amount.
		{ID: "G", FundsArrivedYuan: amount(5_000_000)},
	}
	a := computeAttraction(slices.Values(rows), 2021, *day("2021-06-30"))
	keys := []string{}
	for _, g := range a.ByOrigin {
		keys = append(keys, g.Origin)
	}
	assert.Equal(t, []string{"jingjinji", "yangtze_delta", "pearl_delta", "in_province", "in_county", "overseas", "other", "unknown"}, keys,
		"every origin, in order, unknown last")
	assert.Equal(t, Signing{Count: 2, TotalInvestmentYuan: 850_000_000, ContractAmountYuan: 500_000_000, Landed: 1,
		FundsArrivedYuan: 120_000_000, NoAmountIDs: []string{"B"}, IDs: []string{"A", "B"}}, a.ByOrigin[0].Signing)
	assert.Equal(t, Signing{Count: 1, TotalInvestmentYuan: 40_000_000, ContractAmountYuan: 30_000_000,
		NoAmountIDs: []string{}, IDs: []string{"C"}}, a.ByOrigin[1].Signing)
	assert.Equal(t, newSigning(), a.ByOrigin[2].Signing, "E was signed before the year")
	assert.Equal(t, newSigning(), a.ByOrigin[5].Signing, "F was signed after as_of")
	assert.Equal(t, []string{"D"}, a.ByOrigin[7].IDs, "no origin recorded")
	assert.Equal(t, Signing{Count: 4, TotalInvestmentYuan: 900_000_000, ContractAmountYuan: 540_000_000, Landed: 1,
		FundsArrivedYuan: 120_000_000, NoAmountIDs: []string{"B"}, IDs: []string{"A", "B", "C", "D"}}, a.Total)
	assert.Equal(t, Funds{Yuan: 185_000_000, ContractAmountYuan: 700_000_000, NoAmountIDs: []string{"G"}, IDs: []string{"A", "E", "G"}}, a.Funds,
		"the year's funds of every project, beside their contract amounts")
	r := 0.25
	assert.Equal(t, Conversion{Rate: Rate{Numerator: 1, Denominator: 4, Rate: &r, NumeratorIDs: []string{"A"},
		DenominatorIDs: []string{"A", "B", "C", "D"}}, PendingIDs: []string{"B", "C", "D"}, CancelledIDs: []string{}}, a.SigningToLanding)
	assert.Equal(t, Conversion{Rate: Rate{NumeratorIDs: []string{}, DenominatorIDs: []string{"A"}, Denominator: 1, Rate: new(float64)},
		PendingIDs: []string{"A"}, CancelledIDs: []string{}}, a.LandingToStart, "E landed the year before")
}

// TestAttractionEmpty: nothing signed or landed: no rate, empty lists.
func TestAttractionEmpty(t *testing.T) {
	a := computeAttraction(slices.Values([]Row{{ID: "A"}}), 2021, *day("2021-06-30"))
	assert.Nil(t, a.SigningToLanding.Rate.Rate)
	assert.Equal(t, []string{}, a.SigningToLanding.PendingIDs)
	assert.Equal(t, []string{}, a.LandingToStart.DenominatorIDs)
	assert.Equal(t, Funds{NoAmountIDs: []string{}, IDs: []string{}}, a.Funds)
	assert.Len(t, a.ByOrigin, 8)
}
