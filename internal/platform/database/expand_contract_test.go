package database_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expand/contract rule (docs/operations.md): a migration runs while pods
// of the previous version still serve, so it may only add what that code
// ignores. One that removes, renames or retypes something, or demands a value
// old code does not write, is a contract step: it says so at its top with
// "-- contract: <why>", and is released only once no pod runs code that
// needs what it takes away.

var (
	// dollarQuoted is a PL/pgSQL body ($$…$$ or $tag$…$tag$): its
	// statements run later, not as the migration's own.
	dollarQuoted = regexp.MustCompile(`(?s)\$([A-Za-z_]*)\$.*?\$([A-Za-z_]*)\$`)
	quoted       = regexp.MustCompile(`'(?:[^']|'')*'`)
	lineComment  = regexp.MustCompile(`--[^\n]*`)
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	spaces       = regexp.MustCompile(`\s+`)
	contractMark = regexp.MustCompile(`(?m)^--\s*contract:\s*(\S.*)$`)

	drop       = regexp.MustCompile(`\bDROP\b`)
	dropNull   = regexp.MustCompile(`\bALTER\s+(COLUMN\s+)?\S+\s+DROP\s+NOT\s+NULL\b`)
	rename     = regexp.MustCompile(`\bRENAME\b`)
	retype     = regexp.MustCompile(`\bALTER\s+(COLUMN\s+)?\S+\s+(SET\s+DATA\s+)?TYPE\b`)
	setNotNull = regexp.MustCompile(`\bSET\s+NOT\s+NULL\b`)
	addColumn  = regexp.MustCompile(`^ADD\s+(COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?`)
	addOther   = regexp.MustCompile(`^ADD\s+(CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|EXCLUDE)\b`)
	notNull    = regexp.MustCompile(`\bNOT\s+NULL\b`)
	hasDefault = regexp.MustCompile(`\bDEFAULT\b`)
	// A constraint or unique index on a table the migration does not
	// create refuses writes that the previous version's code may send.
	createTable = regexp.MustCompile(`^CREATE TABLE (IF NOT EXISTS )?(\S+)`)
	uniqueIndex = regexp.MustCompile(`^CREATE UNIQUE INDEX .*? ON (ONLY )?([^\s(]+)`)
)

// upSection is the part of a goose migration that applies it.
func upSection(sql string) string {
	_, up, ok := strings.Cut(sql, "-- +goose Up")
	if !ok {
		return sql
	}
	up, _, _ = strings.Cut(up, "-- +goose Down")
	return up
}

// statements are the Up section's statements, without comments, string
// contents or function bodies, upper-cased with single spaces.
func statements(sql string) []string {
	s := upSection(sql)
	s = blockComment.ReplaceAllString(s, " ")
	s = lineComment.ReplaceAllString(s, " ")
	s = dollarQuoted.ReplaceAllString(s, "$$")
	s = quoted.ReplaceAllString(s, "''")
	var out []string
	for _, st := range strings.Split(s, ";") {
		st = strings.ToUpper(strings.TrimSpace(spaces.ReplaceAllString(st, " ")))
		if st != "" {
			out = append(out, st)
		}
	}
	return out
}

// contractSteps lists what in sql's Up section only a contract step may do.
func contractSteps(sql string) []string {
	var found []string
	created := map[string]bool{}
	for _, st := range statements(sql) {
		if m := createTable.FindStringSubmatch(st); m != nil {
			created[strings.Trim(m[2], `"`)] = true
		}
		if m := uniqueIndex.FindStringSubmatch(st); m != nil && !created[strings.Trim(m[2], `"`)] {
			found = append(found, "a unique index on an existing table: "+st)
		}
		if drop.MatchString(dropNull.ReplaceAllString(st, "")) {
			found = append(found, "DROP: "+st)
		}
		if rename.MatchString(st) {
			found = append(found, "RENAME: "+st)
		}
		if retype.MatchString(st) {
			found = append(found, "type change: "+st)
		}
		if setNotNull.MatchString(st) {
			found = append(found, "SET NOT NULL: "+st)
		}
		if rest, ok := strings.CutPrefix(st, "ALTER TABLE "); ok {
			actions := topLevel(rest)
			for _, action := range actions {
				if addOther.MatchString(action) && !created[alteredTable(rest)] {
					found = append(found, "a constraint on an existing table: "+st)
				}
				if addColumn.MatchString(action) && !addOther.MatchString(action) &&
					notNull.MatchString(action) && !hasDefault.MatchString(action) {
					found = append(found, "NOT NULL without a default: "+st)
				}
			}
		}
	}
	return found
}

// topLevel splits an ALTER TABLE's actions at the commas outside
// parentheses, each action trimmed, the table's name left on the first.
func topLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	out = append(out, strings.TrimSpace(s[start:]))
	first := strings.TrimPrefix(strings.TrimPrefix(out[0], "IF EXISTS "), "ONLY ")
	_, out[0], _ = strings.Cut(first, " ") // the table's name
	return out
}

// alteredTable is the name of the table an ALTER TABLE's rest names.
func alteredTable(rest string) string {
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "IF EXISTS "), "ONLY ")
	name, _, _ := strings.Cut(rest, " ")
	return strings.Trim(name, `"`)
}

// contractReason is the reason a migration gives at its top (before its
// first statement) for being a contract step, or "".
func contractReason(sql string) string {
	head, _, _ := strings.Cut(sql, "-- +goose Up")
	if m := contractMark.FindStringSubmatch(head); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

func TestContractSteps(t *testing.T) {
	t.Parallel()
	up := func(s string) string { return "-- +goose Up\n" + s + "\n-- +goose Down\nDROP TABLE t;\n" }
	cases := []struct {
		name, sql string
		refused   bool
	}{
		{"new table", "CREATE TABLE t (id int NOT NULL, name text NOT NULL);", false},
		{"new index", "CREATE INDEX t_idx ON t (name);", false},
		{"nullable column", "ALTER TABLE t ADD COLUMN note text;", false},
		{"NOT NULL column with a default", "ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz NOT NULL DEFAULT '1970-01-01';", false},
		{"NOT NULL column with a default, lower case, no COLUMN", "alter table t add n bigint not null default 0;", false},
		{"a check constraint naming NOT NULL, on a new table", "CREATE TABLE t (a int, b int); ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL OR b IS NOT NULL);", false},
		{"a unique index on a new table", "CREATE TABLE IF NOT EXISTS t (code text); CREATE UNIQUE INDEX t_code ON t (code);", false},
		{"a constraint on an existing table", "ALTER TABLE projects ADD CONSTRAINT c CHECK (planned_yuan >= 0);", true},
		{"a foreign key on an existing table", "ALTER TABLE ONLY projects ADD FOREIGN KEY (d) REFERENCES departments (code);", true},
		{"a unique index on an existing table", "CREATE UNIQUE INDEX IF NOT EXISTS projects_name ON projects (name);", true},
		{"a relaxed column", "ALTER TABLE t ALTER COLUMN note DROP NOT NULL;", false},
		{"the Down section drops", "CREATE TABLE t (id int);", false},
		{"DROP in a string", "INSERT INTO t (s) VALUES ('DROP TABLE x; RENAME');", false},
		{"DROP in a comment", "-- we DROP nothing\nCREATE TABLE t (id int); /* nor RENAME */", false},
		{"DROP in a function body", "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DROP TABLE x; END $$;", false},
		{"NOT NULL column without a default", "ALTER TABLE t ADD COLUMN n int NOT NULL;", true},
		{"NOT NULL column without a default, second action", "ALTER TABLE t ADD COLUMN a int DEFAULT 0, ADD COLUMN b int NOT NULL;", true},
		{"SET NOT NULL", "ALTER TABLE t ALTER COLUMN note SET NOT NULL;", true},
		{"DROP TABLE", "DROP TABLE project_plans;", true},
		{"DROP COLUMN", "ALTER TABLE t DROP COLUMN note;", true},
		{"DROP INDEX IF EXISTS", "drop index if exists t_idx;", true},
		{"DROP DEFAULT", "ALTER TABLE t ALTER COLUMN n DROP DEFAULT;", true},
		{"RENAME COLUMN", "ALTER TABLE t RENAME COLUMN a TO b;", true},
		{"RENAME TABLE", "ALTER TABLE t RENAME TO u;", true},
		{"type change", "ALTER TABLE audit_entries ALTER COLUMN before TYPE text USING before::text;", true},
		{"type change, SET DATA TYPE", "ALTER TABLE t ALTER note SET DATA TYPE varchar(10);", true},
	}
	for _, c := range cases {
		assert.Equal(t, c.refused, len(contractSteps(up(c.sql))) > 0, "%s: %q → %v", c.name, c.sql, contractSteps(up(c.sql)))
	}
	assert.Equal(t, "the old table goes", contractReason("-- A comment.\n-- contract: the old table goes\n\n-- +goose Up\nDROP TABLE t;"))
	assert.Empty(t, contractReason("-- +goose Up\n-- contract: too late, below the first statement\nDROP TABLE t;"))
	assert.Empty(t, contractReason("-- contract:\n-- +goose Up\nDROP TABLE t;"), "a reason is required")
}

// TestMigrationsExpandOnly holds every migration of both dialects to the
// expand/contract rule: one that contracts the schema says so and why.
func TestMigrationsExpandOnly(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"postgres", "sqlite"} {
		names, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
		require.NoError(t, err)
		require.NotEmpty(t, names, dialect)
		for _, name := range names {
			b, err := os.ReadFile(name)
			require.NoError(t, err)
			steps, reason := contractSteps(string(b)), contractReason(string(b))
			if len(steps) > 0 && reason == "" {
				t.Errorf("%s contracts the schema but is not marked as a contract step (a line \"-- contract: <why>\" at its top; docs/operations.md):\n  %s",
					name, strings.Join(steps, "\n  "))
			}
			if len(steps) == 0 && reason != "" {
				fmt.Printf("%s is marked as a contract step but only expands the schema\n", name)
			}
		}
	}
}
