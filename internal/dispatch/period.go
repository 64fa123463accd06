package dispatch

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// SetPeriod sets period m's due day, and for a February whether it reports
// January too (docs/dispatch.md, "Periods"): the due day is after the
// period's last day and at most two months after it. Every live project's
// stored health is then due today, since the period its investment rule
// reads may have moved. It reports whether the setting was new; ifMatch,
// when not 0, must name its version.
func (s *Service) SetPeriod(ctx context.Context, p identity.Principal, m calendar.Month, dueOn time.Time, combined bool, ifMatch int) (_ PeriodSetting, _ bool, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.SetPeriod(%s)", m)
	if !p.May(identity.ManagePlans) {
		return PeriodSetting{}, false, errNoPlans
	}
	if err := checkSetting(m, dueOn, combined); err != nil {
		return PeriodSetting{}, false, err
	}
	var out PeriodSetting
	var created bool
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, created, err = s.putSetting(ctx, p, PeriodSetting{Period: m, DueOn: dueOn, Combined: combined}, ifMatch)
		return err
	})
	if err == nil && s.changed != nil {
		s.changed()
	}
	return out, created, err
}

func checkSetting(m calendar.Month, dueOn time.Time, combined bool) error {
	var c project.Check
	if dueOn.IsZero() {
		c.Add("due_on", "required", "")
	} else if last := m.Last(); !dueOn.After(last) || dueOn.After(last.AddDate(0, 2, 0)) {
		c.Add("due_on", "out_of_range", last.AddDate(0, 0, 1).Format(time.DateOnly)+".."+last.AddDate(0, 2, 0).Format(time.DateOnly))
	}
	if combined && m.Month != time.February {
		c.Add("combined", "february_only", "")
	}
	return c.Err()
}

// putSetting writes a period's setting st, in the transaction of ctx.
func (s *Service) putSetting(ctx context.Context, p identity.Principal, st PeriodSetting, ifMatch int) (PeriodSetting, bool, error) {
	settings, err := s.store.Settings(ctx)
	if err != nil {
		return PeriodSetting{}, false, err
	}
	var before *PeriodSetting
	for i := range settings {
		if settings[i].Period == st.Period {
			before = &settings[i]
		}
	}
	version := 0
	if before != nil {
		version = before.Version
	}
	if ifMatch != 0 && ifMatch != version {
		return PeriodSetting{}, false, apperr.ErrVersionConflict
	}
	if before != nil && before.DueOn.Equal(st.DueOn) && before.Combined == st.Combined {
		return *before, false, nil
	}
	now := s.clock()
	st.Version, st.UpdatedAt, st.UpdatedBy = version+1, now, p.Name
	if err := s.store.PutSetting(ctx, st); err != nil {
		return PeriodSetting{}, false, err
	}
	if err := s.store.MarkHealthDue(ctx, calendar.Today(now)); err != nil {
		return PeriodSetting{}, false, err
	}
	return st, before == nil, s.auditor.Append(ctx, p, audit.Record{Action: ActionPeriodSet, ResourceType: ResourcePeriod,
		ResourceID: st.Period.String(), Before: settingView(before), After: settingView(&st)})
}

func settingView(st *PeriodSetting) any {
	if st == nil {
		return nil
	}
	return map[string]any{"period": st.Period.String(), "due_on": st.DueOn.Format(time.DateOnly), "combined": st.Combined, "version": st.Version}
}
