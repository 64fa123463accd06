package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/jackc/pgx/v5/pgxpool"
)

// FloorSQL is what the floor of the get and list pairs runs, its answer
// built by PostgreSQL (row_to_json, json_agg, as PostgREST does) from the
// columns the service's answers are made of: every column of projects but
// health_facts, which no answer shows.
type FloorSQL struct {
	// Get takes the project's ID ($1) and selects one JSON object, or no
	// row.
	Get string
	// List takes a stage ($1) and a limit ($2) and selects one JSON object,
	// {"items": […], "next_cursor": null}: the live projects of the stage
	// in the list's default order (creation, then ID).
	List string
}

// floorSQL builds the floor's statements over cols, a column list.
func floorSQL(cols string) FloorSQL {
	return FloorSQL{
		Get: `SELECT row_to_json(p) FROM (SELECT ` + cols + ` FROM projects WHERE id = $1 LIMIT 1) p`,
		List: `SELECT json_build_object('items', COALESCE(json_agg(p ORDER BY p.created_at, p.id), '[]'::json), 'next_cursor', NULL)
			FROM (SELECT ` + cols + ` FROM projects WHERE archived_at IS NULL AND stage = $1 ORDER BY created_at, id LIMIT $2) p`,
	}
}

// answerColumns lists the columns of projects that the service's answers
// are made of, as a select list: every one but health_facts.
func (r *run) answerColumns(ctx context.Context) (string, error) {
	var cols string
	err := r.db.QueryRowContext(ctx, `SELECT string_agg(format('"projects".%I', column_name), ',' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'projects' AND column_name <> 'health_facts'`,
		r.o.Schema).Scan(&cols)
	return cols, err
}

// serveFloor opens the floor's pool on the bench schema, as many
// connections as the service's side keeps busy and as many again, and
// serves Options.Floor in the bench's own process.
func (r *run) serveFloor(ctx context.Context) error {
	cols, err := r.answerColumns(ctx)
	if err != nil {
		return fmt.Errorf("the answers' columns: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(r.schemaURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(min(2*r.o.Clients, 64)) //nolint:gosec // at most 64
	cfg.MinConns = int32(min(r.o.Clients, 64))   //nolint:gosec // at most 64
	if r.floorPool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("the floor's pool: %w", err)
	}
	r.floor, err = r.serveInProcess(r.o.Floor(r.floorPool, floorSQL(cols)))
	return err
}

// floorItem is what the check of the floor compares of a project.
type floorItem struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Stage string `json:"stage"`
	Code  string `json:"code"`
}

// sameAnswers fails the pair unless the service and the floor answer path
// with the same projects (ID, name, stage, code, in the same order): the
// floor must do the service's work, not less.
func (r *run) sameAnswers(ctx context.Context, path string, list bool) error {
	token, err := r.login(ctx, r.svc.api)
	if err != nil {
		return err
	}
	read := func(at, token string) ([]floorItem, error) {
		if list {
			var l struct{ Items []floorItem }
			err := r.do(ctx, http.MethodGet, at+path, token, nil, http.StatusOK, &l)
			return l.Items, err
		}
		var one floorItem
		err := r.do(ctx, http.MethodGet, at+path, token, nil, http.StatusOK, &one)
		return []floorItem{one}, err
	}
	svc, err := read(r.svc.api, token)
	if err != nil {
		return failure("the service: %v", err)
	}
	fl, err := read(r.floor.url, "")
	if err != nil {
		return failure("the floor: %v", err)
	}
	if len(svc) == 0 || !slices.Equal(svc, fl) {
		a, _ := json.Marshal(svc)
		b, _ := json.Marshal(fl)
		return failure("GET %s: the floor answers other projects than the service:\nservice %.400s\nfloor   %.400s", path, a, b)
	}
	return nil
}
