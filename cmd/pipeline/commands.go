package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/seed"
)

const usage = `usage: pipeline [command]

commands:
  serve         serve the API (the default)
  migrate       apply the database migrations and exit
  seed --demo   load the demo data set (the report's projects and one account per role)
  audit verify [--checkpoint FILE]
                check the audit trail's hash chain, and that it still holds the
                checkpoints in FILE; exits non-zero when it does not
  audit checkpoint [--out FILE]
                print the trail's head (ID, hash, time) as one JSON line, or
                append it to FILE, for keeping outside the database
  keys rotate [--out DIR] [--activate-in DURATION]
                add a new token signing key to PIPELINE_KEY_DIR, or write it into
                DIR (for a Secret); it signs after DURATION, verifies at once
  user create USERNAME ROLE [DEPARTMENT]
                create a user; the password is PIPELINE_NEW_PASSWORD or a generated one, printed
  user password USERNAME
                set a user's password the same way (e.g. a lost admin password)
  client create NAME DEPARTMENT SCOPE[,SCOPE…]
                register a department system; prints its client_id and client_secret

Settings come from PIPELINE_* environment variables; see README.md.
`

// invocation is what a command runs with: the configuration and the
// environment, its name and the arguments after it.
type invocation struct {
	cfg            config.Config
	log            *slog.Logger
	stdout, stderr io.Writer
	getenv         func(string) string
	name           string
	args           []string
}

// A command is one of the program's commands (usage).
type command func(context.Context, invocation) error

// commands are the program's commands by name.
var commands = map[string]command{
	"serve":   serveCommand,
	"migrate": migrateCommand,
	"seed":    seedCommand,
	"user":    admin,
	"client":  admin,
	"keys":    keysCommand,
	"audit":   auditCommand,
	"help":    helpCommand,
	"-h":      helpCommand,
	"--help":  helpCommand,
}

func serveCommand(ctx context.Context, in invocation) error {
	return serve(ctx, in.cfg, in.log, in.stdout, nil)
}

func migrateCommand(ctx context.Context, in invocation) error {
	db, err := openDB(ctx, in.cfg, in.log)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	fmt.Fprintf(in.stdout, "applied %d migration(s) %v\n", len(applied), applied)
	return err
}

func seedCommand(ctx context.Context, in invocation) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(in.stderr)
	demo := fs.Bool("demo", false, "load the demo data set")
	if err := fs.Parse(in.args); err != nil {
		return err
	}
	if !*demo {
		return errors.New("seed: say --demo to load the demo data set")
	}
	return seedDemo(ctx, in.cfg, in.log, in.stdout)
}

func keysCommand(_ context.Context, in invocation) error {
	if len(in.args) == 0 || in.args[0] != "rotate" {
		return errors.New("keys: say 'keys rotate' to add a new signing key")
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(in.stderr)
	out := fs.String("out", in.cfg.KeyDir, "the folder to write the new key into (e.g. to make a Secret of it)")
	after := fs.Duration("activate-in", 0, "publish the key now, sign with it only after this long")
	if err := fs.Parse(in.args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 || *after < 0 {
		return errors.New("keys rotate: usage: keys rotate [--out DIR] [--activate-in DURATION]")
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	now := time.Now()
	var from time.Time
	if *after > 0 {
		from = now.Add(*after)
	}
	name, err := auth.AddKeyFrom(*out, now, from)
	if err != nil {
		return fmt.Errorf("keys rotate: %w (keys mounted from a Secret are read-only: write the new key elsewhere with --out, see deploy/README.md)", err)
	}
	when := "once the service restarts"
	if !from.IsZero() {
		when = "from " + from.UTC().Format(time.RFC3339) + " (restart every replica before then; until then it only verifies)"
	}
	fmt.Fprintf(in.stdout, "added %s: it signs new tokens %s; keep the older keys for at least %s after that so that the tokens they signed still verify\n",
		name, when, in.cfg.AccessTokenTTL)
	return nil
}

func auditCommand(ctx context.Context, in invocation) error {
	if len(in.args) == 0 || (in.args[0] != "verify" && in.args[0] != "checkpoint") {
		return errors.New("audit: say 'audit verify' to check the audit trail, 'audit checkpoint' to anchor its head")
	}
	fs := flag.NewFlagSet("audit "+in.args[0], flag.ContinueOnError)
	fs.SetOutput(in.stderr)
	checkpoints := fs.String("checkpoint", "", "verify: a file of checkpoints (one JSON line each) that the trail must still hold")
	out := fs.String("out", "", "checkpoint: append the checkpoint line to this file instead of printing it")
	if err := fs.Parse(in.args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 || (in.args[0] == "verify" && *out != "") || (in.args[0] == "checkpoint" && *checkpoints != "") {
		return fmt.Errorf("audit %s: unexpected arguments; see 'pipeline help'", in.args[0])
	}
	if in.args[0] == "checkpoint" {
		return auditCheckpoint(ctx, in, *out)
	}
	return auditVerify(ctx, in, *checkpoints)
}

func helpCommand(_ context.Context, in invocation) error {
	fmt.Fprint(in.stdout, usage)
	return nil
}

func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, err := wire(ctx, cfg, log, cfg.MigrateOnStart)
	if err != nil {
		return err
	}
	defer a.db.Close()
	// The first admin comes first: the demo accounts must not make the user
	// table look initialised without one.
	adminPW, err := a.auth.Bootstrap(ctx, cfg.AdminPassword)
	if err != nil {
		return err
	}
	if adminPW != "" && cfg.AdminPassword == "" {
		fmt.Fprintf(stdout, "created the first admin: admin / %s\n", adminPW)
	}
	pw := auth.GeneratePassword()
	n, err := seed.Demo(ctx, a.projects, a.auth, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded %d demo projects\n", n)
	years, err := seed.DemoIndicators(ctx, a.indicators)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded the county indicators of %d years\n", years)
	entries, err := seed.DemoPlan(ctx, a.plans, a.projects)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded %d entries of the %d plan (a draft)\n", entries, seed.PlanYear)
	fmt.Fprintf(stdout, "demo accounts created now (existing ones keep their password), password %s:\n", pw)
	for _, acc := range seed.Accounts {
		fmt.Fprintf(stdout, "  %s (role %s %s)\n", acc.Username, acc.Role, acc.Department)
	}
	return nil
}

// auditor opens the database and returns the audit trail as an operator
// with access to it reads it, and the database to close.
func auditor(ctx context.Context, in invocation) (*audit.Service, io.Closer, error) {
	db, err := openDB(ctx, in.cfg, in.log)
	if err != nil {
		return nil, nil, err
	}
	return audit.NewService(auditdb.New(db), time.Now), db, nil
}

// cliOperator is who reads the audit trail from the command line.
var cliOperator = identity.Principal{Subject: "cli", Name: "cli", Role: identity.RoleAdmin}

// auditVerify checks the audit trail's hash chain as an operator with access
// to the database, and the checkpoints in the file named, if any; it fails
// when the chain is broken or a checkpoint does not hold.
func auditVerify(ctx context.Context, in invocation, checkpointFile string) error {
	var cps []audit.Checkpoint
	if checkpointFile != "" {
		f, err := os.Open(checkpointFile)
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		cps, err = audit.ReadCheckpoints(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("audit verify: %s: %w", checkpointFile, err)
		}
	}
	trail, db, err := auditor(ctx, in)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := trail.VerifyCheckpoints(ctx, cliOperator, cps)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	switch {
	case res.FirstBroken != nil:
		fmt.Fprintf(in.stdout, "audit trail BROKEN: %d entries, first broken entry %d\n", res.Entries, *res.FirstBroken)
		return fmt.Errorf("audit trail broken at entry %d", *res.FirstBroken)
	case res.Missed != nil:
		fmt.Fprintf(in.stdout, "audit trail BROKEN: %d entries; %s\n", res.Entries, res.Missed.Reason())
		return fmt.Errorf("audit trail does not hold the checkpoint at entry %d", res.Missed.Checkpoint.ID)
	}
	fmt.Fprintf(in.stdout, "audit trail intact: %d entries", res.Entries)
	if len(cps) > 0 {
		fmt.Fprintf(in.stdout, ", holding %d checkpoint(s)", len(cps))
	}
	fmt.Fprintln(in.stdout)
	return nil
}

// auditCheckpoint verifies the trail and writes its head as one JSON line
// to stdout, or appends it to the file out, and logs it (docs/audit.md).
func auditCheckpoint(ctx context.Context, in invocation, out string) error {
	trail, db, err := auditor(ctx, in)
	if err != nil {
		return err
	}
	defer db.Close()
	cp, err := trail.Checkpoint(ctx, cliOperator)
	if err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	line, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	in.log.Info("audit checkpoint", slog.Int64("id", cp.ID), slog.String("hash", cp.Hash),
		slog.Time("at", cp.At), slog.Time("taken", cp.Taken))
	if out == "" {
		_, err = fmt.Fprintf(in.stdout, "%s\n", line)
		return err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%s\n", line); err != nil {
		f.Close()
		return fmt.Errorf("audit checkpoint: %w", err)
	}
	return f.Close()
}

// operatorPrincipal is who the operator commands act as; the audit trail
// records their changes under this name.
var operatorPrincipal = identity.Principal{Subject: "operator", Name: "operator (command line)", Role: identity.RoleAdmin}

// admin runs the user and client commands of an operator at the console.
func admin(ctx context.Context, in invocation) error {
	a, err := wire(ctx, in.cfg, in.log, in.cfg.MigrateOnStart)
	if err != nil {
		return err
	}
	defer a.db.Close()
	password, generated := newPassword(in.getenv)
	args := in.args
	switch {
	case in.name == "user" && len(args) >= 3 && len(args) <= 4 && args[0] == "create":
		err = createUser(ctx, a.auth, in.stdout, password, args[1:])
	case in.name == "user" && len(args) == 2 && args[0] == "password":
		err = setPassword(ctx, a.auth, in.stdout, password, args[1])
	case in.name == "client" && len(args) == 4 && args[0] == "create":
		return createClient(ctx, a.auth, in.stdout, args[1], args[2], args[3])
	default:
		return fmt.Errorf("%s: see 'pipeline help'", in.name)
	}
	if err == nil && generated {
		fmt.Fprintf(in.stdout, "password: %s\n", password)
	}
	return err
}

// newPassword is PIPELINE_NEW_PASSWORD or, when it is not set, a generated
// password.
func newPassword(getenv func(string) string) (password string, generated bool) {
	if pw := getenv("PIPELINE_NEW_PASSWORD"); pw != "" {
		return pw, false
	}
	return auth.GeneratePassword(), true
}

// createUser creates a user of args USERNAME ROLE [DEPARTMENT].
func createUser(ctx context.Context, users *auth.Service, stdout io.Writer, password string, args []string) error {
	dept := ""
	if len(args) == 3 {
		dept = args[2]
	}
	u, err := users.CreateUser(ctx, operatorPrincipal, args[0], password, identity.Role(args[1]), dept)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s, id %s)\n", u.Username, u.Role, u.ID)
	return nil
}

func setPassword(ctx context.Context, users *auth.Service, stdout io.Writer, password, username string) error {
	u, err := users.UserByUsername(ctx, operatorPrincipal, username)
	if err != nil {
		return err
	}
	if _, err := users.UpdateUser(ctx, operatorPrincipal, u.ID, u.Version, auth.UserChange{Password: &password}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "set the password of %s; its sessions are signed out\n", u.Username)
	return nil
}

// createClient registers a department system; scopes are separated by
// commas.
func createClient(ctx context.Context, users *auth.Service, stdout io.Writer, name, dept, scopes string) error {
	c, secret, err := users.CreateClient(ctx, operatorPrincipal, name, dept, strings.Split(scopes, ","))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "client_id=%s\nclient_secret=%s\n(the secret is shown this once)\n", c.ClientID, secret)
	return nil
}
