package database

import (
	"errors"
	"io"

	"gorm.io/gorm"
)

// connectionLost marks the error of a statement, a transaction's begin or
// its commit whose connection the database ended in the middle of the
// answer: a server stopped at once (pg_ctl stop -m immediate, a crash)
// often closes it without a word, which the driver reports as an
// unexpected EOF. Elsewhere, a request body cut short, the same EOF is no
// outage, so it is marked where it comes from the database.
type connectionLost struct{ err error }

func (e connectionLost) Error() string { return e.err.Error() + " (the database ended the connection)" }
func (e connectionLost) Unwrap() error { return e.err }

// markLost marks err as a lost connection when it is the driver's
// unexpected EOF.
func markLost(err error) error {
	var lost connectionLost
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &lost) {
		return err
	}
	return connectionLost{err: err}
}

// markLostConnections has every statement of g mark its error.
func markLostConnections(g *gorm.DB) error {
	mark := func(tx *gorm.DB) { tx.Error = markLost(tx.Error) }
	cb := g.Callback()
	return errors.Join(
		cb.Create().Register("pipeline:connection_lost", mark),
		cb.Query().Register("pipeline:connection_lost", mark),
		cb.Update().Register("pipeline:connection_lost", mark),
		cb.Delete().Register("pipeline:connection_lost", mark),
		cb.Row().Register("pipeline:connection_lost", mark),
		cb.Raw().Register("pipeline:connection_lost", mark),
	)
}
