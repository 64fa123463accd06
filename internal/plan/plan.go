// Package plan is the year's key-project plan (年度重点项目计划,
// docs/plan.md): which projects are in it, each 新建, 续建 or 前期 for that
// year, with its planned investment, goals, responsible department and
// leader; drafted, issued (下达) and adjusted (调整) with reasons, the
// baseline and every adjustment kept, so that a number can read the plan as
// it stood on any day.
package plan

import (
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/project"
)

// BuildType is what an entry is for its year: the KPIs read it, never the
// project's own build type.
type BuildType string

// The build types of a plan entry.
const (
	New         BuildType = "new"         // 新建: to start construction this year
	Continuing  BuildType = "continuing"  // 续建: under construction before the year
	Preliminary BuildType = "preliminary" // 前期: preparatory (谋划, 对接), in neither rate
)

// BuildTypes lists the build types of plan entries.
var BuildTypes = []project.Label{
	{Value: string(New), ZH: "新建", EN: "New"},
	{Value: string(Continuing), ZH: "续建", EN: "Continuing"},
	{Value: string(Preliminary), ZH: "前期", EN: "Preliminary"},
}

// Source says where an entry's build type came from: the bureau set it, or
// the default took it from the project (docs/plan.md, "Build type").
type Source string

// The sources of a build type.
const (
	SourceSet           Source = "set"                 // the bureau's
	SourceStartedBefore Source = "started_before_year" // first start before 1 January: 续建
	SourceStage         Source = "stage"               // at 签约 or later: 新建
	SourceProject       Source = "project_build_type"  // the project's own build type says new: 新建
	SourceDefault       Source = "default"             // none of those: 前期
	SourceMigrated      Source = "migrated"            // a yearly plan of the first version, typed from the project
)

// Section is the part of the plan an entry is listed in (the 调度表 groups by it).
type Section string

// The sections.
const (
	Industry       Section = "industry"
	Infrastructure Section = "infrastructure"
	Livelihood     Section = "livelihood"
	RealEstate     Section = "real_estate"
)

// Sections lists the sections in the order the plan and its sheet list them.
var Sections = []project.Label{
	{Value: string(Industry), ZH: "产业项目", EN: "Industry"},
	{Value: string(Infrastructure), ZH: "基础设施项目", EN: "Infrastructure"},
	{Value: string(Livelihood), ZH: "民生项目", EN: "Livelihood"},
	{Value: string(RealEstate), ZH: "房地产开发项目", EN: "Real estate development"},
}

// State is where a plan stands: a draft counts as it stands; an issued plan
// changes only by adjustments.
type State string

// The states of a plan.
const (
	Draft  State = "draft"
	Issued State = "issued"
)

// Checkpoint is a target rate due by a day (开工率 ≥ 75% by 30 June).
type Checkpoint struct {
	Date time.Time
	Rate float64
}

// Targets are the year's targets, part of its plan.
type Targets struct {
	// StartRate are the 新建 start-rate checkpoints, by date.
	StartRate []Checkpoint
	// Resumption is the 复工率 target and the day it is due by.
	Resumption *Checkpoint
	// InvestmentYuan is the year's investment target, when the county set one.
	InvestmentYuan *int64
}

// DefaultTargets are a plan's targets until the bureau sets them: 开工率
// 75% by 30 June, 复工率 100% by 31 March.
func DefaultTargets(year int) Targets {
	return Targets{
		StartRate:  []Checkpoint{{Date: time.Date(year, time.June, 30, 0, 0, 0, 0, time.UTC), Rate: 0.75}},
		Resumption: &Checkpoint{Date: time.Date(year, time.March, 31, 0, 0, 0, 0, time.UTC), Rate: 1},
	}
}

// Plan is a year's plan, without its entries.
type Plan struct {
	Year     int
	State    State
	IssuedOn *time.Time
	// Revisions counts the adjustments made since the plan was issued.
	Revisions int
	Targets   Targets
	// TargetsSet says the bureau set the targets; DefaultTargets stand in
	// otherwise.
	TargetsSet bool
	Version    int
	UpdatedAt  time.Time
	UpdatedBy  string
}

// Entry is one state of a project's entry in a year's plan. A draft's
// entries change in place (Revision 0, no EffectiveOn); issuing gives them
// the 下达 day; each later change is a new Entry with the adjustment's
// number (Revision) and effective day, Removed when it took the project out
// of the plan (调出).
type Entry struct {
	Year        int
	ProjectID   string
	Version     int
	Revision    int
	EffectiveOn *time.Time
	Removed     bool
	Reason      string

	BuildType           BuildType
	BuildTypeSource     Source
	KeyLevel            project.KeyLevel
	PlannedYuan         *int64
	PlannedStartMonth   *calendar.Month
	PlannedCompletionOn *time.Time
	PlannedProductionOn *time.Time
	Goals               string // 年度建设内容 / 形象进度目标
	Department          string // the year's 责任单位
	Leader              string // the year's 包联领导
	Section             Section
	Stalled             bool // 停缓建: out of the resumption rate, listed apart
	StalledReason       string
	// OpeningYuan is the investment completed up to the end of the year
	// before, set by hand; nil: derived from the register's reports.
	OpeningYuan *int64

	RecordedAt time.Time
	RecordedBy string

	// Project is what the plan shows of the entry's project, read with the
	// entry and never written with it.
	Project Summary
}

// Summary is what a plan shows of an entry's project.
type Summary struct {
	Name       string
	Code       *string
	Stage      project.Stage
	Department string
}

// Basis says which version of a plan a number reads.
type Basis string

// The bases.
const (
	// AsOf reads the baseline, which is the whole year's plan whatever its
	// 下达 day, and the adjustments effective on or before the day (the
	// default).
	AsOf Basis = "as_of"
	// Baseline reads the plan as issued.
	Baseline Basis = "baseline"
	// Current reads every adjustment, whatever its day.
	Current Basis = "current"
)

// InForce picks, from the states of one project's entry, the one a number
// reads under basis on day on; ok is false when the project is not in the
// plan then. A draft's entries are in force as they stand.
func InForce(states []Entry, basis Basis, on time.Time) (Entry, bool) {
	var best *Entry
	for i := range states {
		e := &states[i]
		switch {
		case e.EffectiveOn == nil: // a draft
		case basis == Baseline && e.Revision != 0:
			continue
		case basis == AsOf && e.Revision != 0 && e.EffectiveOn.After(on):
			continue
		}
		if best == nil || later(*e, *best) {
			best = e
		}
	}
	if best == nil || best.Removed {
		return Entry{}, false
	}
	return *best, true
}

// later orders the states of an entry: by effective day, then by revision.
func later(a, b Entry) bool {
	if a.EffectiveOn == nil || b.EffectiveOn == nil {
		return a.Version > b.Version
	}
	if !a.EffectiveOn.Equal(*b.EffectiveOn) {
		return a.EffectiveOn.After(*b.EffectiveOn)
	}
	return a.Revision > b.Revision
}

// DefaultBuildType is an entry's build type when the bureau did not give
// one: 续建 when the project first started before 1 January of the year,
// else 新建 when it is at 签约 or later or its own build type says new, else
// 前期.
func DefaultBuildType(p project.Project, year int) (BuildType, Source) {
	jan1 := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	switch {
	case p.Actual.StartedOn != nil && p.Actual.StartedOn.Before(jan1):
		return Continuing, SourceStartedBefore
	case p.Stage.Rank() >= project.Signed.Rank() && p.Stage != project.Cancelled:
		return New, SourceStage
	case p.BuildType == project.New:
		return New, SourceProject
	}
	return Preliminary, SourceDefault
}

// DefaultSection is the section of a project's category.
func DefaultSection(c project.Category) Section {
	switch c {
	case "infrastructure", "urban", "environment":
		return Infrastructure
	case "social":
		return Livelihood
	case "real_estate":
		return RealEstate
	}
	return Industry
}
