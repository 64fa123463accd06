package database

import (
	"slices"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// answers calls its functions each time the database answers a statement.
type answers struct {
	mu  sync.Mutex // orders OnAnswer's writers; readers only load fns
	fns atomic.Pointer[[]func()]
}

// OnAnswer calls f each time the database answers: a statement that ended
// with anything but an outage (Unavailable), or a Ping that passed. It is
// how the end of an outage is noticed (docs/api.md, "Errors"); f is called
// often and must be cheap.
func (db *DB) OnAnswer(f func()) {
	db.answers.mu.Lock()
	defer db.answers.mu.Unlock()
	var fns []func()
	if p := db.answers.fns.Load(); p != nil {
		fns = slices.Clone(*p)
	}
	fns = append(fns, f)
	db.answers.fns.Store(&fns)
}

func (a *answers) answered() {
	if p := a.fns.Load(); p != nil {
		for _, f := range *p {
			f()
		}
	}
}

// watchAnswers registers the GORM callbacks that tell OnAnswer's functions.
func (db *DB) watchAnswers(g *gorm.DB) error {
	after := func(tx *gorm.DB) {
		// A dry run only built a statement (EachRow tells of its answer).
		if !tx.DryRun && !Unavailable(tx.Error) {
			db.answers.answered()
		}
	}
	cb := g.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("pipeline:answered", after),
		cb.Query().After("gorm:query").Register("pipeline:answered", after),
		cb.Update().After("gorm:update").Register("pipeline:answered", after),
		cb.Delete().After("gorm:delete").Register("pipeline:answered", after),
		cb.Row().After("gorm:row").Register("pipeline:answered", after),
		cb.Raw().After("gorm:raw").Register("pipeline:answered", after),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
