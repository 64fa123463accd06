package seed

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// demoPlan holds the 2021 plan the report implies, one entry per project
// the report's 2021 tasks name with a phrase that tells its type: 续建
// where it says 加速推进, 加快实施, 加快建设, 提速 or 尽早完成; 新建 where it says
// 开工建设 or 早日开工建设; 前期 where it says 谋划实施 or 对接. Each entry
// quotes the phrase and the sentence. The report gives totals, not the
// year's planned investment, so no entry has one.
//
//go:embed demo_plan_2021.json
var demoPlan []byte

// PlanYear is the year of the demo plan.
const PlanYear = 2021

type demoEntry struct {
	Name      string `json:"name"`
	BuildType string `json:"build_type"`
	Phrase    string `json:"phrase"`
	Report    string `json:"report"`
}

// PlanEntries returns the demo plan's entries by project name, each with
// its build type and, as its goals for the year, the report's sentence.
func PlanEntries() (map[string]plan.Fields, error) {
	d := json.NewDecoder(bytes.NewReader(demoPlan))
	d.DisallowUnknownFields()
	var es []demoEntry
	if err := d.Decode(&es); err != nil {
		return nil, fmt.Errorf("demo plan: %w", err)
	}
	out := make(map[string]plan.Fields, len(es))
	for _, e := range es {
		out[e.Name] = plan.Fields{BuildType: plan.BuildType(e.BuildType), Goals: e.Report}
	}
	return out, nil
}

// DemoPlan enters the 2021 plan of the report as a draft (the report is the
// plan's 草案), when the year has no plan yet, for the demo projects in the
// register, with the report's targets: 开工率 75% and 复工率 100% by the
// end of June. It reports how many entries it made.
func DemoPlan(ctx context.Context, plans *plan.Service, projects *project.Service) (int, error) {
	loader := seedPrincipal()
	if _, err := plans.Get(ctx, loader, PlanYear, plan.Query{Basis: plan.Current}); err == nil || apperr.KindOf(err) != apperr.NotFound {
		return 0, err
	}
	entries, err := PlanEntries()
	if err != nil {
		return 0, err
	}
	page, err := projects.List(ctx, loader, project.ListQuery{Limit: 200, Sort: project.Sort{Key: project.SortCreated}})
	if err != nil {
		return 0, err
	}
	// 确保上半年新建项目开工率75%以上，续建项目复工率100%.
	june30 := time.Date(PlanYear, time.June, 30, 0, 0, 0, 0, time.UTC)
	targets := plan.Targets{StartRate: []plan.Checkpoint{{Date: june30, Rate: 0.75}}, Resumption: &plan.Checkpoint{Date: june30, Rate: 1}}
	if _, err := plans.PutTargets(ctx, loader, PlanYear, targets); err != nil {
		return 0, fmt.Errorf("demo plan targets: %w", err)
	}
	n := 0
	for _, p := range page.Items {
		f, ok := entries[p.Name]
		if !ok {
			continue
		}
		if _, err := plans.Put(ctx, loader, PlanYear, p.ID, f, plan.Change{}, 0); err != nil {
			return n, fmt.Errorf("demo plan entry %q: %w", p.Name, err)
		}
		n++
	}
	return n, nil
}
