package auditdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// start is the suite's first clock reading, at microsecond precision as the
// service stores it.
var start = time.Date(2021, 6, 15, 2, 0, 0, 123456000, time.UTC)

// clock ticks a second per reading, so that entries have distinct times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(time.Second)
	return t
}

var (
	bureau = identity.Principal{Subject: "0190a0b0-0000-7000-8000-000000000001", Name: "bureau", Role: identity.RoleBureau}
	editor = identity.Principal{Subject: "0190a0b0-0000-7000-8000-000000000002", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}
)

func newService(db *database.DB) *audit.Service {
	c := &clock{t: start}
	return audit.NewService(auditdb.New(db), c.now)
}

// record returns a project change with before and after snapshots.
func record(action, id string, version int) audit.Record {
	r := audit.Record{Action: action, ResourceType: "project", ResourceID: id,
		After: map[string]any{"id": id, "name": "晨风<50MW>风电", "capacity": 99.875, "version": version, "total_investment_yuan": int64(3_400_000_000)}}
	if version > 1 {
		r.Before = map[string]any{"id": id, "name": "晨风风电", "capacity": 50.0, "version": version - 1, "total_investment_yuan": nil}
	}
	return r
}

// walk returns every entry as the store keeps it, once sealed.
func walk(t *testing.T, db *database.DB) []audit.Entry {
	t.Helper()
	_, err := auditdb.New(db).SealPending(context.Background(), 10_000)
	require.NoError(t, err)
	es, err := auditdb.New(db).Walk(context.Background(), 0, 10_000)
	require.NoError(t, err)
	return es
}

func verify(t *testing.T, svc *audit.Service) audit.Result {
	t.Helper()
	res, err := svc.Verify(context.Background(), bureau)
	require.NoError(t, err)
	return res
}

func TestAppendLinksTheChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		svc := newService(db)
		ctx := audit.WithRequestID(context.Background(), "req-1")
		require.NoError(t, svc.Append(ctx, bureau, record("project.create", "p1", 1)))
		require.NoError(t, svc.Append(ctx, editor, record("project.update", "p1", 2)))
		require.NoError(t, svc.Append(context.Background(), bureau, record("project.archive", "p1", 3)))

		es := walk(t, db)
		require.Len(t, es, 3)
		prev := ""
		for i, e := range es {
			assert.Equal(t, int64(i+1), e.ID)
			assert.Equal(t, prev, e.PrevHash, "entry %d links to the one before", e.ID)
			assert.Equal(t, audit.Seal(e.PrevHash, e), e.Hash, "entry %d is sealed as stored", e.ID)
			assert.Equal(t, start.Add(time.Duration(i)*time.Second), e.At)
			prev = e.Hash
		}
		assert.Empty(t, es[0].PrevHash)
		assert.Equal(t, []string{"bureau", bureau.Subject, "", "project.create", "project", "p1", "req-1"},
			[]string{es[0].Actor, es[0].ActorID, es[0].Dept, es[0].Action, es[0].ResourceType, es[0].ResourceID, es[0].RequestID})
		assert.Equal(t, []string{"energy_editor", editor.Subject, "energy", "project.update"},
			[]string{es[1].Actor, es[1].ActorID, es[1].Dept, es[1].Action})
		assert.Empty(t, es[2].RequestID, "no request, no request ID")

		page, err := svc.List(context.Background(), bureau, audit.Query{})
		require.NoError(t, err)
		require.Len(t, page.Items, 3)
		assert.Nil(t, page.Next)
		assert.Equal(t, "null", string(page.Items[0].Before))
		assert.Equal(t, `{"capacity":99.875,"id":"p1","name":"晨风<50MW>风电","total_investment_yuan":3400000000,"version":1}`,
			string(page.Items[0].After), "listed as sealed: canonical JSON")
		// An update keeps only the members it changed (the ID did not).
		assert.Equal(t, `{"capacity":50,"name":"晨风风电","total_investment_yuan":null,"version":1}`, string(page.Items[1].Before))
		assert.Equal(t, `{"capacity":99.875,"name":"晨风<50MW>风电","total_investment_yuan":3400000000,"version":2}`, string(page.Items[1].After))
		assert.Equal(t, []audit.Format{audit.FormatSnapshots, audit.FormatChanges, audit.FormatChanges},
			[]audit.Format{page.Items[0].Format, page.Items[1].Format, page.Items[2].Format})
		assert.Equal(t, audit.Result{OK: true, Entries: 3}, verify(t, svc))
	})
}

func TestAppendJoinsTheCallersTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		svc := newService(db)
		boom := errors.New("the change failed")
		err := db.InTx(context.Background(), func(ctx context.Context) error {
			require.NoError(t, svc.Append(ctx, bureau, record("project.create", "p1", 1)))
			return boom
		})
		require.ErrorIs(t, err, boom)
		assert.Empty(t, walk(t, db), "the entry rolled back with the change")

		require.NoError(t, db.InTx(context.Background(), func(ctx context.Context) error {
			return svc.Append(ctx, bureau, record("project.create", "p2", 1))
		}))
		es := walk(t, db)
		require.Len(t, es, 1)
		assert.Equal(t, int64(1), es[0].ID, "a rolled-back append leaves no gap")
		assert.Equal(t, "p2", es[0].ResourceID)
	})
}

// TestConcurrentAppends: many writers at once, some of whose changes roll
// back, with two sealers sealing while they write, still make one unbroken
// chain of exactly the committed entries.
func TestConcurrentAppends(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		svc := newService(db)
		const writers, each = 24, 5
		sealing, stop := context.WithCancel(context.Background())
		var sealers sync.WaitGroup
		for range 2 {
			sealers.Add(1)
			go func() {
				defer sealers.Done()
				for sealing.Err() == nil {
					if err := svc.Flush(sealing); sealing.Err() == nil {
						assert.NoError(t, err)
					}
				}
			}()
		}
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					id := fmt.Sprintf("p%d-%d", w, i)
					err := db.InTx(context.Background(), func(ctx context.Context) error {
						if err := svc.Append(ctx, bureau, record("project.create", id, 1)); err != nil {
							return err
						}
						if i == each-1 {
							return errRollback // the change after the entry fails
						}
						return nil
					})
					if !errors.Is(err, errRollback) {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		stop()
		sealers.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		const want = writers * (each - 1)
		es := walk(t, db)
		require.Len(t, es, want)
		prevs := map[string]bool{}
		for i, e := range es {
			assert.Equal(t, int64(i+1), e.ID)
			assert.False(t, prevs[e.PrevHash], "prev_hash %q appears twice: the chain forked", e.PrevHash)
			prevs[e.PrevHash] = true
		}
		assert.Equal(t, audit.Result{OK: true, Entries: want}, verify(t, svc))
	})
}

var errRollback = errors.New("roll back")

func TestListFiltersAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		svc := newService(db)
		ctx := context.Background()
		// Entries 1..12: p0, p1, p2 in turn; every third by the editor;
		// entry i at start + (i-1) seconds.
		for i := range 12 {
			p := bureau
			if i%3 == 2 {
				p = editor
			}
			r := record("project.update", "p"+strconv.Itoa(i%3), i+1)
			if i == 11 {
				r.ResourceType, r.Action = "user", "user.update"
			}
			require.NoError(t, svc.Append(ctx, p, r))
		}
		ids := func(q audit.Query) []int64 {
			t.Helper()
			var out []int64
			for range 20 {
				page, err := svc.List(ctx, bureau, q)
				require.NoError(t, err)
				limit := q.Limit
				if limit == 0 {
					limit = audit.DefaultLimit
				}
				require.LessOrEqual(t, len(page.Items), limit)
				for _, e := range page.Items {
					out = append(out, e.ID)
				}
				if page.Next == nil {
					return out
				}
				q.After = *page.Next
			}
			t.Fatal("paging does not end")
			return nil
		}
		since := start.Add(9 * time.Second).In(time.FixedZone("Asia/Shanghai", 8*3600))
		assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ids(audit.Query{}))
		assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ids(audit.Query{Limit: 5}), "pages of 5")
		assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ids(audit.Query{Limit: 1}), "pages of 1")
		assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, ids(audit.Query{ResourceType: "project", Limit: 4}))
		assert.Equal(t, []int64{2, 5, 8, 11}, ids(audit.Query{ResourceType: "project", ResourceID: "p1", Limit: 3}))
		assert.Equal(t, []int64{12}, ids(audit.Query{ResourceType: "user"}))
		assert.Equal(t, []int64{3, 6, 9, 12}, ids(audit.Query{Actor: "energy_editor", Limit: 2}))
		assert.Equal(t, []int64{10, 11, 12}, ids(audit.Query{Since: &since}), "since is inclusive, in any zone")
		assert.Equal(t, []int64{10, 11}, ids(audit.Query{Since: &since, ResourceType: "project"}))
		assert.Equal(t, []int64{6, 9, 12}, ids(audit.Query{Actor: "energy_editor", After: 3}), "a cursor continues after its entry")
		assert.Empty(t, ids(audit.Query{Actor: "nobody"}))
		assert.Empty(t, ids(audit.Query{After: 12}))

		page, err := svc.List(ctx, bureau, audit.Query{Limit: 12})
		require.NoError(t, err)
		assert.Len(t, page.Items, 12)
		assert.Nil(t, page.Next, "no next page when the last page is exactly full")
	})
}

// exec runs a statement over the pool, outside the service: what someone
// with rights on the table could do.
func exec(db *database.DB, query string, args ...any) error {
	_, err := db.SQL().ExecContext(context.Background(), query, args...)
	return err
}

// disableTriggers does what an attacker with the table owner's rights would.
func disableTriggers(t *testing.T, db *database.DB) {
	t.Helper()
	if db.Dialect() == database.Postgres {
		require.NoError(t, exec(db, "ALTER TABLE audit_entries DISABLE TRIGGER USER"))
		return
	}
	require.NoError(t, exec(db, "DROP TRIGGER audit_entries_no_update"))
	require.NoError(t, exec(db, "DROP TRIGGER audit_entries_no_delete"))
}

func appendN(t *testing.T, svc *audit.Service, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, svc.Append(context.Background(), bureau, record("project.update", "p1", i+1)))
	}
}

func TestEntriesAreAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		svc := newService(db)
		appendN(t, svc, 3)
		// A staged entry cannot be changed before it is sealed either.
		assert.Error(t, exec(db, `UPDATE audit_pending SET actor = 'admin'`))
		require.Len(t, walk(t, db), 3)
		assert.ErrorContains(t, exec(db, `UPDATE audit_entries SET actor = 'admin' WHERE id = 1`), "append-only")
		assert.ErrorContains(t, exec(db, `DELETE FROM audit_entries WHERE id = 2`), "append-only")
		if db.Dialect() == database.Postgres {
			assert.ErrorContains(t, exec(db, `TRUNCATE audit_entries`), "append-only")
		}
		es := walk(t, db)
		require.Len(t, es, 3)
		assert.Equal(t, "bureau", es[0].Actor)
	})
}

func TestVerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string
		entries int64
		broken  int64
	}{
		{name: "after changed", tamper: `UPDATE audit_entries SET "after" = '{"name":"forged"}' WHERE id = 3`, entries: 6, broken: 3},
		{name: "actor changed in the last entry", tamper: `UPDATE audit_entries SET actor = 'admin' WHERE id = 6`, entries: 6, broken: 6},
		{name: "entry deleted in the middle", tamper: `DELETE FROM audit_entries WHERE id = 3`, entries: 5, broken: 4},
		{name: "first entry deleted", tamper: `DELETE FROM audit_entries WHERE id = 1`, entries: 5, broken: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				svc := newService(db)
				appendN(t, svc, 6)
				require.Equal(t, audit.Result{OK: true, Entries: 6}, verify(t, svc))
				disableTriggers(t, db)
				require.NoError(t, exec(db, c.tamper))
				assert.Equal(t, audit.Result{OK: false, Entries: c.entries, FirstBroken: &c.broken}, verify(t, svc))
			})
		})
	}
}

// TestVerifyFindsAResealedEntry: an attacker who knows the formula changes an
// entry and reseals it; the next entry's link breaks.
func TestVerifyFindsAResealedEntry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		svc := newService(db)
		appendN(t, svc, 4)
		e := walk(t, db)[1]
		e.After = json.RawMessage(`{"name":"forged"}`)
		disableTriggers(t, db)
		update := `UPDATE audit_entries SET "after" = ?, hash = ? WHERE id = 2`
		if db.Dialect() == database.Postgres {
			update = `UPDATE audit_entries SET "after" = $1, hash = $2 WHERE id = 2`
		}
		require.NoError(t, exec(db, update, string(e.After), audit.Seal(e.PrevHash, e)))
		broken := int64(3)
		assert.Equal(t, audit.Result{OK: false, Entries: 4, FirstBroken: &broken}, verify(t, svc))
	})
}

// TestEntriesSealedAsJSONBStillVerify: entries sealed while PostgreSQL kept
// snapshots as jsonb come out of migration 00007 in jsonb's rendering
// (members reordered, spaces added), not as the text that was hashed; the
// chain still verifies, and the entries read back canonical.
func TestEntriesSealedAsJSONBStillVerify(t *testing.T) {
	db := dbtest.Postgres(t)
	svc := newService(db)
	appendN(t, svc, 4)
	sealed := walk(t, db)
	require.NoError(t, exec(db, `ALTER TABLE audit_entries ALTER COLUMN before TYPE jsonb USING before::jsonb,
		ALTER COLUMN after TYPE jsonb USING after::jsonb`))
	require.NoError(t, exec(db, `ALTER TABLE audit_entries ALTER COLUMN before TYPE text USING before::text,
		ALTER COLUMN after TYPE text USING after::text`))
	rendered := walk(t, db)
	require.Len(t, rendered, 4)
	assert.NotEqual(t, string(sealed[3].After), string(rendered[3].After), "jsonb renders the snapshot its own way")
	appendN(t, svc, 2) // sealed after the migration, as text
	assert.Equal(t, audit.Result{OK: true, Entries: 6}, verify(t, svc))
	page, err := svc.List(context.Background(), bureau, audit.Query{})
	require.NoError(t, err)
	require.Len(t, page.Items, 6)
	assert.Equal(t, string(sealed[3].After), string(page.Items[3].After))
}

// TestSealsABacklogInOneBatch: however many entries wait, one seal takes
// them with one bound parameter — more than either database allows a
// statement (SQLite 32,766, PostgreSQL 65,535) at four a row.
func TestSealsABacklogInOneBatch(t *testing.T) {
	const n = 17_000
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		series, at := "generate_series(1, 17000) AS g(n)", "$1"
		if db.Dialect() == database.SQLite {
			series, at = "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 17000) SELECT n FROM s) AS g", "?"
		}
		require.NoError(t, exec(db, `INSERT INTO audit_pending (at, actor, actor_id, dept, action, resource_type, resource_id, before, after, request_id)
			SELECT `+at+`, 'bureau', 'u1', '', 'project.update', 'project', 'p' || g.n, 'null', '{"n":' || g.n || '}', ''
			FROM `+series, start))
		sealed, err := auditdb.New(db).SealPending(context.Background(), n)
		require.NoError(t, err)
		assert.Equal(t, n, sealed)
		assert.Equal(t, audit.Result{OK: true, Entries: n}, verify(t, newService(db)))
		left, err := auditdb.New(db).SealPending(context.Background(), n)
		require.NoError(t, err)
		assert.Zero(t, left, "nothing left staged")
	})
}

// stageWhole stages n whole-snapshot updates as the release before entry
// formats did: without the format column, both sides whole.
func stageWhole(t *testing.T, db *database.DB, n int) {
	t.Helper()
	values := "?, 'bureau', 'u1', '', 'project.update', 'project', 'p1', ?, ?, ''"
	if db.Dialect() == database.Postgres {
		values = "$1, 'bureau', 'u1', '', 'project.update', 'project', 'p1', $2, $3, ''"
	}
	insert := `INSERT INTO audit_pending (at, actor, actor_id, dept, action, resource_type, resource_id, before, after, request_id)
		VALUES (` + values + `)`
	for i := range n {
		before := fmt.Sprintf(`{"id":"p1","name":"晨风风电","version":%d}`, i+1)
		after := fmt.Sprintf(`{"id":"p1","name":"晨风风电","version":%d}`, i+2)
		require.NoError(t, exec(db, insert, start.Add(-time.Hour+time.Duration(i)*time.Second), before, after))
	}
}

// TestVerifyAcceptsBothFormats: a trail of whole-snapshot entries followed
// by entries of the changed members verifies, and tampering with an entry
// of either format, its format included, is found where it was done.
func TestVerifyAcceptsBothFormats(t *testing.T) {
	cases := []struct {
		name   string
		tamper string
		broken int64
	}{
		{name: "nothing changed"},
		{name: "a whole snapshot changed", tamper: `UPDATE audit_entries SET "after" = '{"id":"p1","name":"forged","version":3}' WHERE id = 2`, broken: 2},
		{name: "a whole snapshot relabelled as changes", tamper: `UPDATE audit_entries SET format = 2 WHERE id = 3`, broken: 3},
		{name: "changed members altered", tamper: `UPDATE audit_entries SET "after" = '{"name":"forged","version":2}' WHERE id = 5`, broken: 5},
		{name: "changes relabelled as whole snapshots", tamper: `UPDATE audit_entries SET format = 1 WHERE id = 6`, broken: 6},
		{name: "a format not known", tamper: `UPDATE audit_entries SET format = 3 WHERE id = 4`, broken: 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				stageWhole(t, db, 3)
				svc := newService(db)
				require.NoError(t, svc.Flush(context.Background()))
				appendN(t, svc, 3) // a creation, then two updates
				es := walk(t, db)
				require.Len(t, es, 6)
				assert.Equal(t, []audit.Format{audit.FormatSnapshots, audit.FormatSnapshots, audit.FormatSnapshots,
					audit.FormatSnapshots, audit.FormatChanges, audit.FormatChanges},
					[]audit.Format{es[0].Format, es[1].Format, es[2].Format, es[3].Format, es[4].Format, es[5].Format})
				assert.Equal(t, `{"id":"p1","name":"晨风风电","version":3}`, string(es[1].After), "an old entry stays whole")
				assert.Equal(t, `{"capacity":50,"name":"晨风风电","total_investment_yuan":null,"version":1}`, string(es[4].Before))
				if c.tamper == "" {
					assert.Equal(t, audit.Result{OK: true, Entries: 6}, verify(t, svc))
					return
				}
				disableTriggers(t, db)
				require.NoError(t, exec(db, c.tamper))
				assert.Equal(t, audit.Result{OK: false, Entries: 6, FirstBroken: &c.broken}, verify(t, svc))
			})
		})
	}
}
