package projecttest

import (
	"context"
	"slices"
	"sync"

	"github.com/guangling/pipeline/internal/project"
)

// Tx is a project.Transactor in memory. InTx runs its function in a
// transaction carried by the context it passes, which a call inside another
// joins; once the outermost function returns nil the transaction commits and
// the functions given to AfterCommit run, in order. A transaction whose
// function fails, or whose commit is made to fail (FailCommits), rolls back:
// what the Store of this package wrote in it is undone, and so is whatever
// was given to OnRollback.
type Tx struct {
	mu      sync.Mutex
	failing error
	commits int
}

var _ project.Transactor = (*Tx)(nil)

// NewTx returns a Tx whose commits succeed.
func NewTx() *Tx { return &Tx{} }

type txKey struct{}

// txState is one transaction: what runs after its commit and what undoes
// its writes.
type txState struct {
	mu    sync.Mutex
	after []func()
	undo  []func()
	ended bool
}

// current returns the transaction carried by ctx, if any.
func current(ctx context.Context) *txState {
	st, _ := ctx.Value(txKey{}).(*txState)
	return st
}

// InTransaction reports whether ctx carries a transaction of a Tx: the
// fakes of other stores may refuse a write made outside one.
func InTransaction(ctx context.Context) bool {
	st := current(ctx)
	if st == nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return !st.ended
}

// FailCommits makes every later commit fail with err, as a database that
// refuses it would: the transaction rolls back. A nil err lets commits pass
// again.
func (x *Tx) FailCommits(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.failing = err
}

// Commits tells how many transactions have committed.
func (x *Tx) Commits() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.commits
}

// Staged runs fn as InTx does: the in-memory store's Move has no statement
// of its own to carry the change's rows, so a transaction stands for it.
func (x *Tx) Staged(ctx context.Context, fn func(context.Context) error) error {
	return x.InTx(ctx, fn)
}

// InTx runs fn in a transaction of its own, or in the one ctx carries.
func (x *Tx) InTx(ctx context.Context, fn func(context.Context) error) error {
	if InTransaction(ctx) {
		return fn(ctx)
	}
	st := &txState{}
	err := fn(context.WithValue(ctx, txKey{}, st))
	if err == nil {
		x.mu.Lock()
		err = x.failing
		if err == nil {
			x.commits++
		}
		x.mu.Unlock()
	}
	st.end(err == nil)
	return err
}

// end runs what follows the commit, or undoes the transaction's writes,
// latest first; what is given to the transaction after it ended runs at
// once (AfterCommit) or never (OnRollback).
func (st *txState) end(committed bool) {
	st.mu.Lock()
	after, undo := st.after, st.undo
	st.after, st.undo, st.ended = nil, nil, true
	st.mu.Unlock()
	if !committed {
		for _, f := range slices.Backward(undo) {
			f()
		}
		return
	}
	for _, f := range after {
		f()
	}
}

// AfterCommit runs f once the transaction carried by ctx commits, never if
// it rolls back; outside a transaction, or after it ended, at once.
func (x *Tx) AfterCommit(ctx context.Context, f func()) {
	if st := current(ctx); st != nil {
		st.mu.Lock()
		if !st.ended {
			st.after = append(st.after, f)
			st.mu.Unlock()
			return
		}
		st.mu.Unlock()
	}
	f()
}

// OnRollback runs f if the transaction carried by ctx rolls back: a fake
// store undoes its write with it. Outside a transaction f never runs, as a
// write made there is final.
func (x *Tx) OnRollback(ctx context.Context, f func()) { onRollback(ctx, f) }

func onRollback(ctx context.Context, f func()) {
	st := current(ctx)
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.ended {
		st.undo = append(st.undo, f)
	}
}
