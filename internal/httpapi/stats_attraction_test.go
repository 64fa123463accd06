package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestStatsAttraction enters a few signed projects through the API, on the
// clock's day 2021-06-15, and holds the investment attraction statistics to
// hand-computed numbers: the bureau's, a department's own, and bad
// parameters refused.
func TestStatsAttraction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		project := func(name, dept string, kv ...any) string {
			body := map[string]any{"name": name, "category": "materials", "department": dept}
			return e.create(t, asBureau, with(body, kv...)).ID
		}
		funds := func(yuan int64) []map[string]any { return []map[string]any{{"year": 2021, "yuan": yuan}} }
		// A: 京津冀, signed and landed; B: 京津冀 without an amount, signed
		// and waiting; C: 长三角, signed, landed and started; D: no origin,
		// signed and cancelled; L: landed in the year, signed the year before.
		a := project("A", "energy", "stage", "landed", "signed_on", "2021-02-01", "landed_on", "2021-04-01",
			"investor_origin", "jingjinji", "contract_amount_yuan", 500_000_000, "total_investment_yuan", 800_000_000,
			"funds_arrived", funds(120_000_000))
		b := project("B", "industry", "stage", "signed", "signed_on", "2021-03-01", "investor_origin", "jingjinji",
			"total_investment_yuan", 50_000_000)
		c := project("C", "industry", "stage", "started", "signed_on", "2021-01-10", "landed_on", "2021-02-01",
			"started_on", "2021-05-01", "investor_origin", "yangtze_delta", "contract_amount_yuan", 30_000_000)
		d := project("D", "industry", "stage", "signed", "signed_on", "2021-03-05", "contract_amount_yuan", 10_000_000)
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects/" + d + "/transitions",
			body: api.TransitionCreate{To: "cancelled", OccurredOn: "2021-05-10", Note: "企业退出"}})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		l := project("L", "energy", "stage", "landed", "signed_on", "2020-11-01", "landed_on", "2021-03-01",
			"investor_origin", "pearl_delta", "contract_amount_yuan", 200_000_000, "funds_arrived", funds(60_000_000))
		// G is archived and counts nowhere.
		g := project("G", "energy", "stage", "signed", "signed_on", "2021-02-01")
		res = e.do(t, request{principal: asBureau, method: http.MethodDelete, path: "/api/v1/projects/" + g,
			headers: map[string]string{"If-Match": `"1"`}})
		require.Less(t, res.status, 300, "%s", res)

		get := func(as, query string) api.Attraction {
			t.Helper()
			res := e.do(t, request{principal: as, method: http.MethodGet, path: "/api/v1/stats/attraction" + query})
			require.Equal(t, http.StatusOK, res.status, "%s", res)
			var out api.Attraction
			res.decode(t, &out)
			return out
		}
		o := get(asBureau, "")
		assert.Equal(t, 2021, o.Year)
		assert.Equal(t, "2021-06-15", o.AsOf)
		require.Len(t, o.ByOrigin, 8)
		assert.Equal(t, api.AttractionOrigin{Origin: "jingjinji", Label: "京津冀", AttractionSigning: api.AttractionSigning{
			Count: 2, TotalInvestmentYuan: 850_000_000, ContractAmountYuan: 500_000_000, NoAmountIDs: []string{b}, Landed: 1,
			FundsArrivedYuan: 120_000_000, ProjectIDs: sortedIDs(a, b)}}, o.ByOrigin[0])
		assert.Equal(t, []string{c}, o.ByOrigin[1].ProjectIDs, "长三角")
		assert.Equal(t, "pearl_delta", o.ByOrigin[2].Origin)
		assert.Equal(t, int64(0), o.ByOrigin[2].Count, "L was signed the year before")
		assert.Equal(t, api.AttractionOrigin{Origin: "unknown", Label: "未填写", AttractionSigning: api.AttractionSigning{
			Count: 1, ContractAmountYuan: 10_000_000, NoAmountIDs: []string{}, ProjectIDs: []string{d}}}, o.ByOrigin[7])
		assert.Equal(t, int64(4), o.Signed.Count)
		assert.Equal(t, int64(540_000_000), o.Signed.ContractAmountYuan)
		r := 0.5
		assert.Equal(t, api.AttractionRate{Numerator: 2, Denominator: 4, Rate: &r,
			ProjectIDs: api.ProjectIDs{Numerator: sortedIDs(a, c), Denominator: sortedIDs(a, b, c, d)},
			PendingIDs: []string{b}, CancelledIDs: []string{d}}, o.SigningToLanding)
		r3 := 0.3333
		assert.Equal(t, api.AttractionRate{Numerator: 1, Denominator: 3, Rate: &r3,
			ProjectIDs: api.ProjectIDs{Numerator: []string{c}, Denominator: sortedIDs(a, c, l)},
			PendingIDs: sortedIDs(a, l), CancelledIDs: []string{}}, o.LandingToStart)
		assert.Equal(t, api.AttractionFunds{Yuan: 180_000_000, ContractAmountYuan: 700_000_000, NoAmountIDs: []string{},
			ProjectIDs: sortedIDs(a, l)}, o.FundsArrived)

		// On 31 March C had not started, A not landed, D not cancelled.
		o = get(asBureau, "?year=2021&as_of=2021-03-31")
		assert.Equal(t, sortedIDs(a, b, d), o.SigningToLanding.PendingIDs)
		assert.Equal(t, []string{}, o.SigningToLanding.CancelledIDs)
		assert.Equal(t, int64(0), o.LandingToStart.Numerator)
		// 2020: L was signed, and landed only in 2021; nothing landed.
		o = get(asBureau, "?year=2020")
		assert.Equal(t, ptr(0.0), o.SigningToLanding.Rate)
		assert.Equal(t, []string{l}, o.SigningToLanding.PendingIDs)
		assert.Nil(t, o.LandingToStart.Rate, "no denominator, no rate")
		assert.Equal(t, "2020-12-31", o.AsOf)

		// A department reads its own projects only.
		o = get(asEnergyEditor, "")
		assert.Equal(t, []string{a}, o.Signed.ProjectIDs)
		assert.Equal(t, sortedIDs(a, l), o.LandingToStart.ProjectIDs.Denominator)
		assert.Equal(t, []string{}, o.ByOrigin[1].ProjectIDs, "C is industry's")
		o = get(asIndustryEditor, "")
		assert.Equal(t, sortedIDs(b, c, d), o.Signed.ProjectIDs)
		assert.Equal(t, int64(0), o.FundsArrived.Yuan)

		for _, path := range []string{
			"?year=1999", "?year=2023", "?year=abc", "?year=2021&as_of=2020-12-31", "?as_of=2021-06-16", "?as_of=2021-02-30",
			"?as_of=20210601", "?period=2021-05", "?plan=baseline", "?ids=true", "?origin=jingjinji", "?year=2021&year=2020",
		} {
			res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/stats/attraction" + path, invalid: true})
			assert.Equal(t, http.StatusBadRequest, res.status, "%s: %s", path, res)
			assert.Equal(t, "validation_failed", res.problem(t).Code, path)
		}
	})
}

// sortedIDs is ids in the order the statistics list projects: by ID.
func sortedIDs(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
