package projectdb_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// bundleRace is a register and its plans over one database.
type bundleRace struct {
	svc    *project.Service
	plans  *plan.Service
	bureau identity.Principal
}

func newBundleRace(db *database.DB) bundleRace {
	now := func() time.Time { return time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC) }
	auditor := audit.NewService(auditdb.New(db), now)
	svc := project.NewService(projectdb.New(db), db, auditor, now, uuid.NewString)
	return bundleRace{
		svc:    svc,
		plans:  plan.NewService(projectdb.NewPlans(db), svc, db, auditor, now),
		bureau: identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau},
	}
}

func (r bundleRace) create(t *testing.T, name string, parent *string) project.Project {
	t.Helper()
	p, err := r.svc.Create(context.Background(), r.bureau, project.Draft{Fields: project.Fields{
		Name: name, Category: "wind", Department: "energy", ParentID: parent,
	}})
	require.NoError(t, err)
	return p
}

func (r bundleRace) put(id string) error {
	_, err := r.plans.Put(context.Background(), r.bureau, 2021, id, plan.Fields{}, plan.Change{}, 0)
	return err
}

func (r bundleRace) link(pr project.Project, parent string) error {
	_, err := r.svc.Update(context.Background(), r.bureau, pr.ID, pr.Version, func(f project.Fields) (project.Fields, error) {
		f.ParentID = &parent
		return f, nil
	})
	return err
}

// TestBundleRuleUnderConcurrency: two writes sent at once that the bundle
// rule (docs/plan.md) lets through one at a time but not together - the
// entries of a bundle and of its child, a child's link to a bundle and the
// bundle's entry, a link to a bundle (a new project's too) and the
// bundle's own link - take turns on the bundle's row: in every round
// exactly one commits and the other is refused. Without the lock both
// links commit on PostgreSQL; the lock taken after the year's plan (not
// before it) would deadlock two entries, which is no refusal either.
func TestBundleRuleUnderConcurrency(t *testing.T) {
	t.Parallel()
	const rounds = 20
	cases := []struct {
		name string
		// setup makes a round's projects and returns its two writes.
		setup func(t *testing.T, r bundleRace, n string) (a, b func() error)
	}{
		{"the entries of a bundle and of its child", func(t *testing.T, r bundleRace, n string) (func() error, func() error) {
			bundle := r.create(t, "打捆"+n, nil)
			child := r.create(t, "子项目"+n, &bundle.ID)
			return func() error { return r.put(bundle.ID) }, func() error { return r.put(child.ID) }
		}},
		{"a planned child's link and the bundle's entry", func(t *testing.T, r bundleRace, n string) (func() error, func() error) {
			bundle := r.create(t, "打捆"+n, nil)
			child := r.create(t, "子项目"+n, nil)
			require.NoError(t, r.put(child.ID))
			return func() error { return r.link(child, bundle.ID) }, func() error { return r.put(bundle.ID) }
		}},
		{"a link to a bundle and the bundle's own link", func(t *testing.T, r bundleRace, n string) (func() error, func() error) {
			top := r.create(t, "上级"+n, nil)
			bundle := r.create(t, "打捆"+n, nil)
			child := r.create(t, "子项目"+n, nil)
			return func() error { return r.link(child, bundle.ID) }, func() error { return r.link(bundle, top.ID) }
		}},
		{"a new child of a bundle and the bundle's own link", func(t *testing.T, r bundleRace, n string) (func() error, func() error) {
			top := r.create(t, "上级"+n, nil)
			bundle := r.create(t, "打捆"+n, nil)
			return func() error {
				_, err := r.svc.Create(context.Background(), r.bureau, project.Draft{Fields: project.Fields{
					Name: "子项目" + n, Category: "wind", Department: "energy", ParentID: &bundle.ID,
				}})
				return err
			}, func() error { return r.link(bundle, top.ID) }
		}},
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newBundleRace(db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for i := range rounds {
					a, b := tc.setup(t, r, strconv.Itoa(i))
					errs := race(a, b)
					ok := 0
					for _, err := range errs {
						if err == nil {
							ok++
							continue
						}
						assert.Equal(t, apperr.Invalid, apperr.KindOf(err), "round %d: %v", i, err)
					}
					require.Equal(t, 1, ok, "round %d: %v", i, errs)
				}
			})
		}
	})
}

// race runs a and b at once and returns their errors.
func race(a, b func() error) []error {
	errs := make([]error, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, fn := range []func() error{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	return errs
}
