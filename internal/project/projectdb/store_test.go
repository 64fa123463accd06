package projectdb_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/project/projecttest"
)

// clock is the fixed "now" of the suite, at microsecond precision as the
// service stores it.
var clock = time.Date(2021, 4, 1, 9, 30, 15, 123456789, time.UTC).Truncate(time.Microsecond)

// shanghai is the county's zone; some fixtures use it so that the store is
// shown to compare instants, not their text.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

func ptr[T any](v T) *T { return &v }

func day(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

// newProject returns a valid planning-stage project with every optional
// field empty; mods adjust it.
func newProject(mods ...func(*project.Project)) project.Project {
	p := project.Project{
		ID: uuid.NewString(),
		Fields: project.Fields{
			Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy",
			BuildType: project.New, KeyLevel: "none", Funding: []project.Funding{},
		},
		Stage: project.Planning, Health: health.Green, HealthReasons: []health.Reason{},
		Version: 1, CreatedAt: clock, UpdatedAt: clock,
	}
	projecttest.CopyFile(&p.Fields, projecttest.EmptyFile())
	for _, m := range mods {
		m(&p)
	}
	return p
}

// fullProject returns a project with every field set, entered at
// in_production, and its import transition.
func fullProject() (project.Project, *project.Transition) {
	p := newProject(func(p *project.Project) {
		p.Code = ptr("2021-140223-44-02-000123")
		p.Name = "壶泉镇100兆瓦光伏发电项目"
		p.Category = "solar_pv"
		p.Department = "energy"
		p.Leader = "张副县长"
		p.Company = "广灵县新能源开发有限公司"
		p.Township = "壶泉镇"
		p.Capacity = ptr(99.875)
		p.CapacityUnit = "MW"
		p.TotalInvestmentYuan = ptr(int64(456_789_012))
		p.ExpectedAnnualOutputYuan = ptr(int64(98_765_432))
		p.BuildType = project.Continuing
		p.KeyLevel = "province"
		p.Funding = []project.Funding{
			{Source: "enterprise", PlannedYuan: 300_000_000, ReceivedYuan: 120_000_000},
			{Source: "bank_loan", PlannedYuan: 156_789_012, ReceivedYuan: 0},
			{Source: "special_bond", PlannedYuan: 0, ReceivedYuan: 0},
		}
		p.PlannedSignDate = day("2019-11-30")
		projecttest.CopyFile(&p.Fields, projecttest.FullFile())
		p.PlannedStartDate = day("2020-03-01")
		p.PlannedCompletionDate = day("2020-12-31")
		p.PlannedProductionDate = day("2021-02-28")
		p.Stage = project.InProduction
		p.Actual = project.Actual{
			SignedOn: day("2019-12-02"), LandedOn: day("2020-01-15"), StartedOn: day("2020-03-18"),
			CompletedOn: day("2021-01-10"), ProductionOn: day("2021-03-05"),
		}
		p.Health = health.Yellow
		p.HealthReasons = []health.Reason{
			{Rule: health.RuleProductionMissed, Level: health.Yellow, Since: day("2021-03-01")},
			{Rule: health.RuleInvestmentBehind, Level: health.Yellow, Ref: "2021: 12.5"},
		}
		p.HealthDueOn = day("2021-04-01")
		p.Version = 3
		p.CreatedAt = clock.Add(-48*time.Hour + 7*time.Microsecond)
		p.UpdatedAt = clock.Add(1234 * time.Microsecond)
		p.ArchivedAt = ptr(clock.Add(2 * time.Hour))
	})
	tr := &project.Transition{
		ID: uuid.NewString(), ProjectID: p.ID, To: project.InProduction, OccurredOn: *day("2021-03-05"),
		Kind: project.KindImport, Actor: "bureau1", Department: "drc", RecordedAt: clock.Add(-48*time.Hour + 7*time.Microsecond),
		Evidence: []project.Evidence{},
	}
	return p, tr
}

func create(t *testing.T, st *projectdb.Store, p project.Project) project.Project {
	t.Helper()
	require.NoError(t, st.Create(context.Background(), p, nil))
	return p
}

// requireKind asserts that err carries kind k, so that no driver error leaks.
func requireKind(t *testing.T, k apperr.Kind, err error) *apperr.Error {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.Code(), apperr.KindOf(err).Code(), "error: %v", err)
	return apperr.As(err)
}

// requireFieldError asserts that err has kind k and a field error on field.
func requireFieldError(t *testing.T, k apperr.Kind, field, code string, err error) {
	t.Helper()
	e := requireKind(t, k, err)
	require.Contains(t, e.Fields, apperr.FieldError{Field: field, Code: code}, "error: %v", err)
}

func TestCreateGetRoundTrip(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		full, tr := fullProject()
		cases := []struct {
			name string
			p    project.Project
			tr   *project.Transition
			want func(p project.Project) project.Project
		}{
			{"every field set", full, tr, nil},
			{"every optional field empty", newProject(), nil, nil},
			{"nil funding and reasons come back empty", newProject(func(p *project.Project) {
				p.Funding, p.HealthReasons = nil, nil
			}), nil, func(p project.Project) project.Project {
				p.Funding, p.HealthReasons = []project.Funding{}, []health.Reason{}
				return p
			}},
			{"times in another zone come back as the same instant in UTC", newProject(func(p *project.Project) {
				p.Code = ptr("2021-140223-44-02-000124")
				p.CreatedAt = clock.In(shanghai)
				p.UpdatedAt = clock.Add(time.Microsecond).In(shanghai)
				p.ArchivedAt = ptr(clock.Add(time.Hour).In(shanghai))
				p.PlannedStartDate = day("2021-05-01")
			}), nil, func(p project.Project) project.Project {
				p.CreatedAt, p.UpdatedAt, p.ArchivedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC(), ptr(p.ArchivedAt.UTC())
				return p
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				require.NoError(t, st.Create(ctx, tc.p, tc.tr))
				want := tc.p
				if tc.want != nil {
					want = tc.want(tc.p)
				}
				got, err := st.Get(ctx, project.Reach{All: true}, tc.p.ID)
				require.NoError(t, err)
				assert.Equal(t, want, got)
				assertReadsAlike(t, db, st, want)
				if tc.p.Code == nil {
					assert.Nil(t, got.Code)
					assert.Nil(t, got.Capacity)
					assert.Nil(t, got.TotalInvestmentYuan)
					assert.Nil(t, got.PlannedStartDate)
					assert.Nil(t, got.Actual.SignedOn)
					assert.Nil(t, got.ArchivedAt)
					assert.NotNil(t, got.Funding)
					assert.Empty(t, got.Funding)
				}
			})
		}
	})
}

// assertReadsAlike holds that the project reads as want in a transaction
// too (on PostgreSQL, through database/sql's rows rather than pgx's), and
// that List reads it as Get does, without its health facts, in and out of
// one.
func assertReadsAlike(t *testing.T, db *database.DB, st *projectdb.Store, want project.Project) {
	t.Helper()
	ctx := context.Background()
	listed := want
	listed.Facts = health.Facts{}
	q := project.ListQuery{Filter: project.Filter{IDs: []string{want.ID}, Archived: want.ArchivedAt != nil}}
	read := func(ctx context.Context) {
		got, err := st.Get(ctx, project.Reach{All: true}, want.ID)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		page, err := st.List(ctx, project.Reach{All: true}, q)
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, listed, page.Items[0])
	}
	read(ctx)
	require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
		read(ctx)
		return nil
	}))
}

func TestCreateErrors(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		first := create(t, st, newProject(func(p *project.Project) { p.Code = ptr("2021-140223-44-02-000001") }))

		t.Run("duplicate code", func(t *testing.T) {
			dup := newProject(func(p *project.Project) { p.Code = first.Code; p.Name = "重复代码" })
			tr := &project.Transition{ID: uuid.NewString(), ProjectID: dup.ID, To: project.Signed,
				OccurredOn: *day("2021-01-01"), Kind: project.KindImport, Actor: "a", RecordedAt: clock}
			requireFieldError(t, apperr.Conflict, "code", "not_unique", st.Create(ctx, dup, tr))
			_, err := st.Get(ctx, project.Reach{All: true}, dup.ID)
			requireKind(t, apperr.NotFound, err)
		})
		t.Run("unknown department", func(t *testing.T) {
			p := newProject(func(p *project.Project) { p.Department = "no_such_dept" })
			requireFieldError(t, apperr.Invalid, "department", "unknown", st.Create(ctx, p, nil))
			_, err := st.Get(ctx, project.Reach{All: true}, p.ID)
			requireKind(t, apperr.NotFound, err)
		})
		t.Run("two projects without a code", func(t *testing.T) {
			create(t, st, newProject())
			create(t, st, newProject())
		})
	})
}

// TestMalformedIDs shows that an ID that is not a canonical UUID is simply not
// found, on every call that takes one, and that no driver error leaks.
func TestMalformedIDs(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		p := create(t, st, newProject())
		u := uuid.MustParse(p.ID)
		ids := []struct{ name, id string }{
			{"empty", ""},
			{"word", "abc"},
			{"number", "42"},
			{"quote", "'; DROP TABLE projects; --"},
			{"too long", p.ID + p.ID},
			{"one character short", p.ID[:35]},
			{"not hex", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"},
			{"upper case", "ABCDEFAB-" + p.ID[9:]},
			{"upper case of an existing id", string(toUpper(p.ID))},
			{"braces", "{" + p.ID + "}"},
			{"urn", u.URN()},
			{"no hyphens", string(slices.DeleteFunc([]byte(p.ID), func(b byte) bool { return b == '-' }))},
			{"unknown", uuid.NewString()},
		}
		for _, tc := range ids {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				_, err := st.Get(ctx, project.Reach{All: true}, tc.id)
				requireKind(t, apperr.NotFound, err)
				called := false
				_, err = st.Update(ctx, project.Reach{All: true}, tc.id, func(*project.Project) error { called = true; return nil })
				requireKind(t, apperr.NotFound, err)
				assert.False(t, called, "change called for a missing project")
				_, err = st.Transitions(ctx, project.Reach{All: true}, tc.id)
				requireKind(t, apperr.NotFound, err)
			})
		}
	})
}

func toUpper(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return b
}

func TestScope(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		energy := project.Reach{Department: "energy"}
		var mine []string
		for range 3 {
			mine = append(mine, create(t, st, newProject()).ID)
		}
		other, tr := fullProject()
		other.Department, other.Code, other.ArchivedAt = "industry", nil, nil
		tr.ProjectID = other.ID
		require.NoError(t, st.Create(ctx, other, tr))

		t.Run("get", func(t *testing.T) {
			t.Parallel()
			_, err := st.Get(ctx, energy, other.ID)
			requireKind(t, apperr.NotFound, err)
			got, err := st.Get(ctx, energy, mine[0])
			require.NoError(t, err)
			assert.Equal(t, "energy", got.Department)
		})
		t.Run("update", func(t *testing.T) {
			t.Parallel()
			called := false
			_, err := st.Update(ctx, energy, other.ID, func(p *project.Project) error {
				called = true
				p.Name = "被越权修改"
				p.Version++
				return nil
			})
			requireKind(t, apperr.NotFound, err)
			assert.False(t, called)
			got, err := st.Get(ctx, project.Reach{All: true}, other.ID)
			require.NoError(t, err)
			assert.Equal(t, other.Name, got.Name)
			assert.Equal(t, other.Version, got.Version)
		})
		t.Run("transitions", func(t *testing.T) {
			t.Parallel()
			_, err := st.Transitions(ctx, energy, other.ID)
			requireKind(t, apperr.NotFound, err)
			ts, err := st.Transitions(ctx, project.Reach{Department: "industry"}, other.ID)
			require.NoError(t, err)
			assert.Len(t, ts, 1)
		})
		t.Run("list and count", func(t *testing.T) {
			t.Parallel()
			cases := []struct {
				name  string
				scope project.Reach
				f     project.Filter
				want  []string
			}{
				{"energy", energy, project.Filter{}, mine},
				{"energy asking for industry", energy, project.Filter{Departments: []string{"industry"}}, nil},
				{"energy asking for both", energy, project.Filter{Departments: []string{"industry", "energy"}}, mine},
				{"industry", project.Reach{Department: "industry"}, project.Filter{}, []string{other.ID}},
				{"unscoped", project.Reach{All: true}, project.Filter{}, append(slices.Clone(mine), other.ID)},
				{"department without projects", project.Reach{Department: "tourism"}, project.Filter{}, nil},
			}
			for _, tc := range cases {
				for _, limit := range []int{1, project.MaxLimit} {
					got, total := listAll(t, st, tc.scope, project.ListQuery{Filter: tc.f, Limit: limit, Count: true})
					assert.ElementsMatch(t, tc.want, got, tc.name)
					assert.Equal(t, int64(len(tc.want)), total, tc.name)
				}
			}
		})
	})
}

// listAll follows the cursors of a list to its end and returns the IDs in
// order, and the total of the first page.
func listAll(t *testing.T, st *projectdb.Store, sc project.Reach, lq project.ListQuery) ([]string, int64) {
	t.Helper()
	var ids []string
	var total int64 = -1
	for range 1000 {
		page, err := st.List(context.Background(), sc, lq)
		require.NoError(t, err)
		if lq.Count {
			require.NotNil(t, page.Total)
			if total == -1 {
				total = *page.Total
			}
			require.Equal(t, total, *page.Total, "the total changes from page to page")
		} else {
			require.Nil(t, page.Total)
		}
		for _, p := range page.Items {
			ids = append(ids, p.ID)
		}
		if page.Next == nil {
			return ids, total
		}
		require.Len(t, page.Items, lq.Limit, "a page before the last is short")
		lq.After = page.Next
	}
	t.Fatal("the list does not end")
	return nil, 0
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		all := project.Reach{All: true}

		t.Run("change sees the stored project and its result is saved", func(t *testing.T) {
			t.Parallel()
			full, tr := fullProject()
			full.Code, full.ArchivedAt = nil, nil
			require.NoError(t, st.Create(ctx, full, tr))
			stored, err := st.Get(ctx, all, full.ID)
			require.NoError(t, err)
			empty := newProject(func(p *project.Project) {
				p.ID, p.CreatedAt, p.Version = full.ID, full.CreatedAt, full.Version+1
				p.UpdatedAt = clock.Add(time.Hour)
			})
			got, err := st.Update(ctx, all, full.ID, func(p *project.Project) error {
				assert.Equal(t, stored, *p)
				*p = empty
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, empty, got)
			reread, err := st.Get(ctx, all, full.ID)
			require.NoError(t, err)
			assert.Equal(t, empty, reread, "every field, nulls too, is written")

			// And back to every field set.
			full.Version, full.UpdatedAt = empty.Version+1, clock.Add(2*time.Hour)
			full.Code = ptr("2021-140223-44-02-009999")
			_, err = st.Update(ctx, all, full.ID, func(p *project.Project) error { *p = full; return nil })
			require.NoError(t, err)
			reread, err = st.Get(ctx, all, full.ID)
			require.NoError(t, err)
			assert.Equal(t, full, reread)
		})

		t.Run("the id and creation time cannot change", func(t *testing.T) {
			t.Parallel()
			p := create(t, st, newProject())
			_, err := st.Update(ctx, all, p.ID, func(q *project.Project) error {
				q.ID = uuid.NewString()
				q.CreatedAt = clock.Add(time.Hour)
				q.Version++
				return nil
			})
			require.NoError(t, err)
			got, err := st.Get(ctx, all, p.ID)
			require.NoError(t, err)
			assert.Equal(t, p.CreatedAt, got.CreatedAt)
			assert.Equal(t, 2, got.Version)
		})

		t.Run("an error from change aborts with nothing written", func(t *testing.T) {
			t.Parallel()
			p := create(t, st, newProject())
			boom := errors.New("boom")
			cases := []struct {
				name string
				err  error
				kind apperr.Kind
			}{
				{"plain error", boom, apperr.Internal},
				{"version conflict", apperr.ErrVersionConflict, apperr.VersionConflict},
				{"invalid", apperr.Fields([]apperr.FieldError{{Field: "name", Code: "required"}}), apperr.Invalid},
			}
			for _, tc := range cases {
				_, err := st.Update(ctx, all, p.ID, func(q *project.Project) error {
					q.Name = "不应保存"
					q.Version++
					return tc.err
				})
				require.ErrorIs(t, err, tc.err, tc.name)
				assert.Equal(t, tc.kind, apperr.KindOf(err), tc.name)
				got, err := st.Get(ctx, all, p.ID)
				require.NoError(t, err)
				assert.Equal(t, p, got, tc.name)
			}
		})

		t.Run("versions persist", func(t *testing.T) {
			t.Parallel()
			p := create(t, st, newProject())
			for i := 2; i <= 5; i++ {
				got, err := st.Update(ctx, all, p.ID, func(q *project.Project) error {
					require.Equal(t, i-1, q.Version)
					q.Version++
					q.UpdatedAt = clock.Add(time.Duration(i) * time.Minute)
					return nil
				})
				require.NoError(t, err)
				assert.Equal(t, i, got.Version)
			}
			got, err := st.Get(ctx, all, p.ID)
			require.NoError(t, err)
			assert.Equal(t, 5, got.Version)
			assert.Equal(t, clock.Add(5*time.Minute), got.UpdatedAt)
		})

		t.Run("duplicate code and unknown department", func(t *testing.T) {
			t.Parallel()
			a := create(t, st, newProject(func(p *project.Project) { p.Code = ptr("2021-140223-44-02-100001") }))
			b := create(t, st, newProject())
			_, err := st.Update(ctx, all, b.ID, func(q *project.Project) error { q.Code = a.Code; q.Version++; return nil })
			requireFieldError(t, apperr.Conflict, "code", "not_unique", err)
			_, err = st.Update(ctx, all, b.ID, func(q *project.Project) error { q.Department = "nowhere"; q.Version++; return nil })
			requireFieldError(t, apperr.Invalid, "department", "unknown", err)
			got, err := st.Get(ctx, all, b.ID)
			require.NoError(t, err)
			assert.Equal(t, b, got)
		})

		t.Run("a stale write cannot overwrite", func(t *testing.T) {
			t.Parallel()
			p := create(t, st, newProject())
			// The inner update commits a change while the outer one holds the
			// version it read; both run in one transaction so that neither
			// database blocks, and the outer save must find its version gone.
			err := db.InTx(ctx, func(ctx context.Context) error {
				_, err := st.Update(ctx, all, p.ID, func(outer *project.Project) error {
					_, err := st.Update(ctx, all, p.ID, func(inner *project.Project) error {
						inner.Name = "先到的修改"
						inner.Version++
						return nil
					})
					require.NoError(t, err)
					outer.Name = "过期的修改"
					outer.Version++
					return nil
				})
				requireKind(t, apperr.Conflict, err)
				return nil
			})
			require.NoError(t, err)
			got, err := st.Get(ctx, all, p.ID)
			require.NoError(t, err)
			assert.Equal(t, "先到的修改", got.Name)
			assert.Equal(t, 2, got.Version)
		})

		t.Run("concurrent updates lose nothing", func(t *testing.T) {
			t.Parallel()
			p := create(t, st, newProject(func(p *project.Project) { p.TotalInvestmentYuan = ptr(int64(0)) }))
			const n = 8
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					_, errs[i] = st.Update(ctx, all, p.ID, func(q *project.Project) error {
						*q.TotalInvestmentYuan++
						q.Version++
						return nil
					})
				})
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
					continue
				}
				requireKind(t, apperr.Conflict, err)
			}
			assert.Positive(t, ok)
			got, err := st.Get(ctx, all, p.ID)
			require.NoError(t, err)
			assert.Equal(t, int64(ok), *got.TotalInvestmentYuan, "every successful update is reflected")
			assert.Equal(t, 1+ok, got.Version)
		})

		t.Run("archive and restore", func(t *testing.T) {
			t.Parallel()
			p := create(t, st, newProject(func(p *project.Project) { p.Township = "archive-test" }))
			live := project.Filter{Township: "archive-test"}
			archived := project.Filter{Township: "archive-test", Archived: true}
			ids := func(f project.Filter) []string {
				got, _ := listAll(t, st, all, project.ListQuery{Filter: f, Limit: 10})
				return got
			}
			require.Equal(t, []string{p.ID}, ids(live))
			require.Empty(t, ids(archived))

			at := clock.Add(time.Hour)
			_, err := st.Update(ctx, all, p.ID, func(q *project.Project) error {
				q.ArchivedAt, q.UpdatedAt = &at, at
				q.Version++
				return nil
			})
			require.NoError(t, err)
			assert.Empty(t, ids(live))
			assert.Equal(t, []string{p.ID}, ids(archived))
			got, err := st.Get(ctx, all, p.ID)
			require.NoError(t, err, "an archived project can still be read")
			assert.Equal(t, &at, got.ArchivedAt)

			_, err = st.Update(ctx, all, p.ID, func(q *project.Project) error {
				q.ArchivedAt = nil
				q.Version++
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, []string{p.ID}, ids(live))
			assert.Empty(t, ids(archived))
			got, err = st.Get(ctx, all, p.ID)
			require.NoError(t, err)
			assert.Nil(t, got.ArchivedAt)
			assert.Equal(t, 3, got.Version)
		})
	})
}

func TestTransitions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		all := project.Reach{All: true}

		t.Run("planning project has none", func(t *testing.T) {
			t.Parallel()
			p := create(t, st, newProject())
			ts, err := st.Transitions(ctx, all, p.ID)
			require.NoError(t, err)
			assert.NotNil(t, ts)
			assert.Empty(t, ts)
		})
		t.Run("import transition is stored", func(t *testing.T) {
			t.Parallel()
			p, tr := fullProject()
			p.Code = nil
			tr.ProjectID = p.ID
			require.NoError(t, st.Create(ctx, p, tr))
			ts, err := st.Transitions(ctx, all, p.ID)
			require.NoError(t, err)
			assert.Equal(t, []project.Transition{*tr}, ts)
		})
		t.Run("oldest first", func(t *testing.T) {
			t.Parallel()
			p := newProject(func(p *project.Project) { p.Stage = project.Signed })
			imp := project.Transition{ID: uuid.NewString(), ProjectID: p.ID, To: project.Signed,
				OccurredOn: *day("2021-01-05"), Kind: project.KindImport, Actor: "bureau1", Department: "drc", RecordedAt: clock,
				Evidence: []project.Evidence{}}
			require.NoError(t, st.Create(ctx, p, &imp))
			from := func(s project.Stage) *project.Stage { return &s }
			// Inserted out of order, one in another zone, two recorded at the
			// same instant (then ordered by id).
			later := []project.Transition{
				{ID: "ffffffff-0000-4000-8000-000000000000", ProjectID: p.ID, From: from(project.Landed), To: project.Started,
					OccurredOn: *day("2021-03-01"), Note: "开工", Kind: project.KindMove, Actor: "energy1", Department: "energy",
					RecordedAt: clock.Add(2 * time.Hour), Evidence: []project.Evidence{{Kind: "permit", Ref: "施工许可 140223-2021-001"}}},
				{ID: "00000000-0000-4000-8000-000000000000", ProjectID: p.ID, From: from(project.Signed), To: project.Landed,
					OccurredOn: *day("2021-02-01"), Kind: project.KindMove, Actor: "energy1", Department: "energy",
					RecordedAt: clock.Add(time.Hour).In(shanghai), Evidence: []project.Evidence{}},
				{ID: "ffffffff-ffff-4fff-bfff-ffffffffffff", ProjectID: p.ID, From: from(project.Started), To: project.Suspended,
					OccurredOn: *day("2021-03-02"), Note: "停工", Kind: project.KindMove, Actor: "energy1", Department: "energy",
					RecordedAt: clock.Add(2 * time.Hour), Evidence: []project.Evidence{}},
			}
			for _, tr := range later {
				require.NoError(t, projectdb.InsertTransition(ctx, db, tr))
			}
			ts, err := st.Transitions(ctx, all, p.ID)
			require.NoError(t, err)
			want := []project.Transition{imp, later[1], later[0], later[2]}
			want[1].RecordedAt = want[1].RecordedAt.UTC()
			assert.Equal(t, want, ts)
		})
	})
}

func TestDepartments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ds, err := projectdb.NewDepartments(db).List(context.Background())
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(ds), 11)
		codes := make([]string, len(ds))
		for i, d := range ds {
			codes[i] = d.Code
			assert.Regexp(t, identity.ValidDepartmentCode, d.Code)
			assert.NotEmpty(t, d.Name, d.Code)
			assert.NotEmpty(t, d.NameEN, d.Code)
			assert.Equal(t, 1, d.Version, d.Code)
		}
		assert.True(t, slices.IsSorted(codes), "ordered by code: %v", codes)
		for _, c := range []string{"drc", "energy", "industry", "tourism", "agriculture", "housing",
			"natural_resources", "transport", "ecology", "commerce", "devzone"} {
			assert.Contains(t, codes, c)
		}
		i := slices.IndexFunc(ds, func(d department.Department) bool { return d.Code == "energy" })
		assert.Equal(t, department.Department{Code: "energy", Name: "能源局", NameEN: "Energy Bureau", Version: 1}, ds[i])
	})
}

// TestLeadersOfAnOlderWriter: a row whose leader a build that knew only
// leader wrote (during a rolling upgrade) reads with that leader as the
// list, not the stale list.
func TestLeadersOfAnOlderWriter(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		ctx := context.Background()
		p := newProject(func(p *project.Project) {
			p.Leader, p.Leaders = "王明", []project.Leader{{Name: "王明", Lead: true}, {Name: "李华"}}
		})
		require.NoError(t, st.Create(ctx, p, nil))
		for _, c := range []struct {
			leader string
			want   []project.Leader
		}{
			{"王明", []project.Leader{{Name: "王明", Lead: true}, {Name: "李华"}}},
			{"赵刚", []project.Leader{{Name: "赵刚", Lead: true}}},
			{"", []project.Leader{}},
		} {
			_, err := db.SQL().ExecContext(ctx, "UPDATE projects SET leader = $1 WHERE id = $2", c.leader, p.ID)
			require.NoError(t, err)
			got, err := st.Get(ctx, project.Reach{All: true}, p.ID)
			require.NoError(t, err)
			assert.Equal(t, c.want, got.Leaders, c.leader)
			assert.Equal(t, c.leader, got.Leader)
		}
	})
}
