package httpapi

import (
	"testing"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
)

// createSeeds are valid and broken creation bodies, shared by the fuzz
// targets of this package.
var createSeeds = []string{
	`{"name":"晨风50兆瓦风电项目","category":"wind","department":"energy"}`,
	`{"code":"2021-140223-44-01-000001","name":"x","category":"wind","department":"energy","leader":"张","company":"c","township":"t",` +
		`"capacity":50.5,"capacity_unit":"MW","total_investment_yuan":340000000,"expected_annual_output_yuan":1,"build_type":"new",` +
		`"key_level":"city","funding":[{"source":"enterprise","planned_yuan":1,"received_yuan":0}],"planned_sign_date":"2021-03-31",` +
		`"planned_start_date":"2021-05-01","planned_completion_date":"2022-06-30","planned_production_date":"2022-09-30"}`,
	`{"name":"x","category":"wind","department":"energy","stage":"started","signed_on":"2020-03-01","started_on":"2020-09-01"}`,
	`{"name":"x","category":"wind","department":"energy","stage":"at_capacity","at_capacity_on":"2999-12-31"}`,
	`{"name":"x","category":"wind","department":"energy","total_investment_yuan":1.5}`,
	`{"name":"x","category":"wind","department":"energy","total_investment_yuan":1e400}`,
	`{"name":"x","category":"wind","department":"energy","total_investment_yuan":-9223372036854775808}`,
	`{"name":"x","category":"wind","department":"energy","capacity":1e308}`,
	`{"name":"x","funding":[{"source":"enterprise","planned_yuan":"1"}]}`,
	`{"name":"x","funding":{"source":"enterprise"}}`,
	`{"name":"x","planned_start_date":"2021-02-30"}`,
	`{"name":"x","planned_start_date":"0000-01-01"}`,
	`{"name":"x","stage":"suspended","started_on":"2021-01-01"}`,
	`{"name":"x","colour":"red"}`,
	`{"name":"x","name":"y"}`,
	`{"Name":"case folding"}`,
	`{"name":"x"} trailing`,
	`{"name":"x"}{"name":"y"}`,
	`{"name":`,
	`[]`, `null`, `""`, `0`, `true`, ``, ` `, `{}`,
	"{\"name\":\"\xff\"}",
	`{"name":"\u0000"}`,
	`{"name":"\ud800"}`,
}

// FuzzDecodeProjectCreate: decoding and converting any body either yields an
// entry or a client error (4xx), never a panic or an internal error.
func FuzzDecodeProjectCreate(f *testing.F) {
	for _, s := range createSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in api.ProjectCreate
		if err := decodeStrict(body, &in); err != nil {
			checkClientError(t, err)
			return
		}
		if _, err := toEntry(in); err != nil {
			checkClientError(t, err)
			if k := apperr.KindOf(err); k != apperr.Invalid {
				t.Fatalf("conversion failed with kind %s: %v", k.Code(), err)
			}
		}
	})
}

func checkClientError(t *testing.T, err error) {
	t.Helper()
	k := apperr.KindOf(err)
	st, found := kinds[k]
	if !found || st.status < 400 || st.status >= 500 {
		t.Fatalf("error %v has kind %s, not a client error", err, k.Code())
	}
	switch k {
	case apperr.MalformedJSON, apperr.UnknownField, apperr.Invalid:
	default:
		t.Fatalf("decoding failed with kind %s: %v", k.Code(), err)
	}
}
