// Package seed loads the demo data set: the major projects named in the
// county's report on the 2020 plan and the 2021 draft plan, and one account
// for each role so that a newcomer can see department scope at work.
package seed

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// demoProjects holds the report's projects. Each entry quotes the report in
// "report"; a figure the report does not give is absent, never guessed.
//
//go:embed demo_projects.json
var demoProjects []byte

type demoProject struct {
	Name                  string   `json:"name"`
	Category              string   `json:"category"`
	Department            string   `json:"department"`
	Company               string   `json:"company"`
	Township              string   `json:"township"`
	Capacity              *float64 `json:"capacity"`
	CapacityUnit          string   `json:"capacity_unit"`
	TotalInvestmentYuan   *int64   `json:"total_investment_yuan"`
	BuildType             string   `json:"build_type"`
	KeyLevel              string   `json:"key_level"`
	Stage                 string   `json:"stage"`
	AsOf                  string   `json:"as_of"`
	PlannedCompletionDate string   `json:"planned_completion_date"`
	// Investor and InvestorOrigin are set where the report names the
	// investor by where it comes from (唐山海泰, of Tangshan in 京津冀).
	Investor       string `json:"investor"`
	InvestorOrigin string `json:"investor_origin"`
	// Predecessor names the earlier phase, an entry before this one.
	Predecessor string `json:"predecessor"`
	Report      string `json:"report"`
}

// reportCitation opens the note of a demo project's history entry: the
// stage it was at is what the report says of it, as of the end of 2020 for
// the report's account of 2020 and for the continuing (续建) projects of its
// 2021 plan, which by that word were under way when 2021 began, and as of
// the report's day for the rest. The report names no day on which a project
// reached its stage, so no actual date is set.
const reportCitation = "据《广灵县2020年国民经济和社会发展计划执行情况与2021年国民经济和社会发展计划（草案）的报告》（2021年4月7日）："

func demoEntries() ([]demoProject, error) {
	d := json.NewDecoder(bytes.NewReader(demoProjects))
	d.DisallowUnknownFields()
	var ps []demoProject
	if err := d.Decode(&ps); err != nil {
		return nil, fmt.Errorf("demo projects: %w", err)
	}
	return ps, nil
}

// Phases maps each demo project that is a later phase to the name of its
// earlier phase, as the report tells them apart: 钕铁硼永磁 built in 2020
// and pushed again in 2021, 山水白羊 and its 二期.
func Phases() (map[string]string, error) {
	ps, err := demoEntries()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range ps {
		if p.Predecessor != "" {
			out[p.Name] = p.Predecessor
		}
	}
	return out, nil
}

// Projects returns the demo projects as register entries, without their
// links (Phases).
func Projects() ([]project.Draft, error) {
	ps, err := demoEntries()
	if err != nil {
		return nil, err
	}
	out := make([]project.Draft, len(ps))
	for i, p := range ps {
		e := project.Draft{
			Fields: project.Fields{
				Name: p.Name, Category: project.Category(p.Category), Department: p.Department,
				Company: p.Company, Township: p.Township, Capacity: p.Capacity, CapacityUnit: p.CapacityUnit,
				TotalInvestmentYuan: p.TotalInvestmentYuan, BuildType: project.BuildType(p.BuildType),
				KeyLevel: project.KeyLevel(p.KeyLevel), Investor: p.Investor, InvestorOrigin: project.Origin(p.InvestorOrigin),
			},
			Stage: project.Stage(p.Stage),
			Note:  reportCitation + p.Report,
		}
		for _, d := range []struct {
			s   string
			dst **time.Time
		}{{p.PlannedCompletionDate, &e.PlannedCompletionDate}, {p.AsOf, &e.AsOf}} {
			if d.s == "" {
				continue
			}
			t, err := calendar.ParseDate(d.s)
			if err != nil {
				return nil, fmt.Errorf("demo project %q: %w", p.Name, err)
			}
			*d.dst = &t
		}
		out[i] = e
	}
	return out, nil
}

// seedPrincipal is who loads the demo data: an administrator named seed,
// as the audit trail records it.
func seedPrincipal() identity.Principal {
	return identity.Principal{Subject: "seed", Name: "seed", Role: identity.RoleAdmin}
}

// Account is a demo sign-in.
type Account struct {
	Username   string
	Role       identity.Role
	Department string
}

// Accounts are the demo users, one per role, two departments bound.
var Accounts = []Account{
	{"bureau", identity.RoleBureau, ""},
	{"leader", identity.RoleLeader, ""},
	{"energy_editor", identity.RoleDeptEditor, "energy"},
	{"industry_editor", identity.RoleDeptEditor, "industry"},
	{"tourism_viewer", identity.RoleDeptViewer, "tourism"},
}

// Demo loads the demo projects, when the register has none, and creates the
// demo accounts that do not exist yet, all with the given password. It
// reports how many projects it loaded.
func Demo(ctx context.Context, projects *project.Service, users *auth.Service, password string) (int, error) {
	loader := seedPrincipal()
	for _, a := range Accounts {
		_, err := users.CreateUser(ctx, loader, a.Username, password, a.Role, a.Department)
		if err != nil && apperr.KindOf(err) != apperr.Conflict {
			return 0, fmt.Errorf("demo account %s: %w", a.Username, err)
		}
	}
	page, err := projects.List(ctx, loader, project.ListQuery{Limit: 1, Sort: project.Sort{Key: project.SortCreated}})
	if err != nil || len(page.Items) > 0 {
		return 0, err
	}
	entries, err := Projects()
	if err != nil {
		return 0, err
	}
	phases, err := Phases()
	if err != nil {
		return 0, err
	}
	ids := map[string]string{}
	for _, e := range entries {
		if prev, ok := phases[e.Name]; ok {
			id, known := ids[prev]
			if !known {
				return 0, fmt.Errorf("demo project %q: its earlier phase %q comes later", e.Name, prev)
			}
			e.PredecessorID = &id
		}
		p, err := projects.Create(ctx, loader, e)
		if err != nil {
			return 0, fmt.Errorf("demo project %q: %w", e.Name, err)
		}
		ids[e.Name] = p.ID
	}
	return len(entries), nil
}
