package faults

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// gateEnv turns the fault tests on: "1" runs them where initdb can run and
// skips them elsewhere, "required" (CI) fails when they cannot run.
const gateEnv = "PIPELINE_FAULT_TESTS"

// need skips t unless the fault tests are asked for and can run; with
// PIPELINE_FAULT_TESTS=required what is missing fails it.
func need(t *testing.T) {
	t.Helper()
	mode := os.Getenv(gateEnv)
	if mode == "" {
		t.Skip(gateEnv + " is not set: fault tests skipped")
	}
	why := ""
	if _, err := pgBinDir(); err != nil {
		why = err.Error()
	} else if _, err := runAs(); err != nil {
		why = err.Error()
	}
	if why == "" && buildErr != nil {
		t.Fatalf("build the pipeline binary: %v", buildErr)
	}
	if why == "" {
		return
	}
	if mode == "required" {
		t.Fatalf("%s, and %s=required", why, gateEnv)
	}
	t.Skip(why + ": fault tests skipped")
}

// pgBinDir is the folder of PostgreSQL's server programs: pg_config's
// bindir, else the newest /usr/lib/postgresql/*/bin, holding initdb and
// pg_ctl.
func pgBinDir() (string, error) {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	for _, d := range append(dirs, found...) {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errors.New("no initdb and pg_ctl (pg_config --bindir, /usr/lib/postgresql/*/bin; apt-get install postgresql)")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// runAs is the account the cluster runs as: PostgreSQL refuses to run as
// root, so root runs it as postgres through runuser; anyone else as itself
// (nil).
func runAs() (*user.User, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		return nil, errors.New("running as root without runuser to start PostgreSQL as postgres")
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root without a postgres account to start PostgreSQL as")
	}
	return u, nil
}

// cluster is a private PostgreSQL cluster on a loopback port of its own,
// stopped and removed when the test ends. The shared server is never
// touched.
type cluster struct {
	bin  string     // the server programs' folder
	dir  string     // the cluster's folder: data, socket and log
	port int        // its TCP port on 127.0.0.1
	as   *user.User // the account it runs as; nil: this process's
}

// startCluster creates a cluster with initdb and starts it.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	bin, err := pgBinDir()
	if err != nil {
		t.Fatal(err)
	}
	as, err := runAs()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its parent is private to this process's account,
	// which the server's account cannot enter.
	dir, err := os.MkdirTemp("", "pipeline-faults-")
	if err != nil {
		t.Fatal(err)
	}
	if err := own(dir); err != nil {
		t.Fatal(err)
	}
	c := &cluster{bin: bin, dir: dir, port: freePort(t), as: as}
	t.Cleanup(func() {
		_, _ = c.pgCtl("stop", "-m", "immediate")
		_ = os.RemoveAll(dir)
	})
	if as != nil {
		uid, _ := strconv.Atoi(as.Uid)
		gid, _ := strconv.Atoi(as.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := c.start(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

// url opens the cluster's postgres database.
func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// run runs one of the server programs as the cluster's account.
func (c *cluster) run(program string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, program)
	cmd := exec.Command(path, args...)
	if c.as != nil {
		cmd = exec.Command("runuser", append([]string{"-u", c.as.Username, "--", path}, args...)...)
	}
	cmd.Dir = c.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C", "LC_ALL=C"}
	return cmd.CombinedOutput()
}

func (c *cluster) pgCtl(args ...string) ([]byte, error) {
	return c.run("pg_ctl", append(append([]string{}, args...), "-D", c.data(), "-w", "-t", "60")...)
}

// start starts the cluster and waits until it takes connections.
func (c *cluster) start() error {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c shared_buffers=32MB -c max_connections=60",
		c.port, c.dir)
	if out, err := c.pgCtl("start", "-l", filepath.Join(c.dir, "server.log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	return nil
}

// stop stops the cluster at once, as a crash would: no checkpoint, every
// connection cut; the next start recovers from the write-ahead log.
func (c *cluster) stop() error {
	if out, err := c.pgCtl("stop", "-m", "immediate"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// freePort is a TCP port on 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// ownerFile names, in a folder the tests made, the process that made it.
const ownerFile = "owner.pid"

// own writes this process's ID into the folder dir it made.
func own(dir string) error {
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// sweep stops and removes the clusters and binaries that earlier runs left
// behind when they were ended before their clean-up (a test binary ended by
// its timeout or a signal runs no t.Cleanup): the folders whose owner is
// gone. A folder without an owner, or whose owner lives, is left alone.
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "pipeline-faults-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		if bin, err := pgBinDir(); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
				as, _ := runAs()
				_, _ = (&cluster{bin: bin, dir: dir, as: as}).pgCtl("stop", "-m", "immediate")
			}
		}
		_ = os.RemoveAll(dir)
	}
}

// alive reports whether a process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
