package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// Checkpoint is the chain's head at one moment, for an operator to keep
// outside the database (docs/audit.md, "Anchoring the head"): a hash chain
// alone cannot tell that its newest entries were removed, or that everything
// after some entry was rewritten by someone who knows the formula; a later
// chain must still hold the checkpoint's entry with its hash.
type Checkpoint struct {
	// ID is the head's ID, which is the number of entries (IDs have no gaps);
	// 0 for an empty chain.
	ID    int64     `json:"id"`
	Hash  string    `json:"hash"`  // the head's hash; empty for an empty chain
	At    time.Time `json:"at"`    // when the head entry was made; zero for an empty chain
	Taken time.Time `json:"taken"` // when the checkpoint was taken
}

// CheckpointMiss is a checkpoint that the chain no longer holds.
type CheckpointMiss struct {
	Checkpoint Checkpoint
	// Found is the hash of the chain's entry with the checkpoint's ID, or
	// empty when the chain ends before it (its newest entries removed).
	Found string
}

// Reason says what the miss means, for an operator.
func (m CheckpointMiss) Reason() string {
	if m.Found == "" {
		return fmt.Sprintf("the trail no longer has entry %d of the checkpoint taken %s: entries were removed",
			m.Checkpoint.ID, m.Checkpoint.Taken.Format(time.RFC3339))
	}
	return fmt.Sprintf("entry %d has hash %s, not %s as at the checkpoint taken %s: the trail was rewritten",
		m.Checkpoint.ID, m.Found, m.Checkpoint.Hash, m.Checkpoint.Taken.Format(time.RFC3339))
}

// Checkpoint verifies the chain and returns its head. A broken chain has no
// checkpoint worth keeping: it is an error.
func (s *Service) Checkpoint(ctx context.Context, p identity.Principal) (_ Checkpoint, err error) {
	defer apperr.Wrap(&err, "audit.Service.Checkpoint")
	var c checker
	if err := s.walk(ctx, p, &c); err != nil {
		return Checkpoint{}, err
	}
	if c.broken != nil {
		return Checkpoint{}, fmt.Errorf("audit: the trail is broken at entry %d: no checkpoint taken", *c.broken)
	}
	return Checkpoint{ID: c.head.ID, Hash: c.head.Hash, At: c.head.At.UTC(), Taken: s.now().UTC()}, nil
}

// VerifyCheckpoints is Verify that also checks that the chain still holds
// each checkpoint: the entry with its ID, with its hash. The first one it
// does not hold is the Result's Missed, and the Result is then not OK.
func (s *Service) VerifyCheckpoints(ctx context.Context, p identity.Principal, cps []Checkpoint) (_ Result, err error) {
	defer apperr.Wrap(&err, "audit.Service.VerifyCheckpoints")
	c := checker{anchors: make(map[int64]string, len(cps))}
	for _, cp := range cps {
		if cp.ID > 0 {
			c.anchors[cp.ID] = ""
		}
	}
	if err := s.walk(ctx, p, &c); err != nil {
		return Result{}, err
	}
	res := c.result()
	for _, cp := range cps {
		if found := c.anchors[cp.ID]; cp.ID > 0 && found != cp.Hash {
			res.OK, res.Missed = false, &CheckpointMiss{Checkpoint: cp, Found: found}
			break
		}
	}
	return res, nil
}

// ReadCheckpoints reads checkpoints written one JSON object a line, as
// `pipeline audit checkpoint` writes them; blank lines are skipped, and
// anything else is an error naming its line.
func ReadCheckpoints(r io.Reader) ([]Checkpoint, error) {
	var out []Checkpoint
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(line))
		d.DisallowUnknownFields()
		var cp Checkpoint
		if err := d.Decode(&cp); err != nil {
			return nil, fmt.Errorf("checkpoint line %d: %w", n, err)
		}
		if cp.ID < 0 || (cp.ID > 0) != (len(cp.Hash) == 64) || strings.Trim(cp.Hash, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("checkpoint line %d: not an entry ID and its lower-case hex SHA-256 hash", n)
		}
		out = append(out, cp)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no checkpoint in the file")
	}
	return out, nil
}
