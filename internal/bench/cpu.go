package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpu is the processor time used so far by what a pair keeps busy: the
// service, the bench's own process (which serves the bare handler),
// PostgreSQL and the load tools. A ratio of rates moves with what else the
// machine does meanwhile (disk writes, a checkpoint); the time each side
// costs per operation, where, is what bounds it, and is steadier.
type cpu struct {
	// service: the pipeline processes, both in a comparison (the idle
	// one's background work, such as sealing the audit entries of the
	// other's moves, counts for the side that caused it).
	service time.Duration
	bench   time.Duration // the bench's own process: the bare handler
	// postgres: every server process, the backends that ended included
	// (counted in the postmaster's reaped children); pgOK that they were
	// found (the server is on this machine and readable).
	postgres time.Duration
	pgOK     bool
	// servers: of a reading, postgres by server (its postmaster's ID), so
	// that a difference counts only the servers that ran throughout: a
	// server stopped meanwhile (another test's) takes its times with it.
	servers map[string]time.Duration
	tools   time.Duration // wrk, pgbench and psql, which the bench waits for
}

func (c cpu) sub(d cpu) cpu {
	pg := c.postgres - d.postgres
	if c.servers != nil && d.servers != nil {
		pg = 0
		for id, t := range c.servers {
			if was, ok := d.servers[id]; ok {
				pg += t - was
			}
		}
	}
	return cpu{service: c.service - d.service, bench: c.bench - d.bench,
		postgres: pg, pgOK: c.pgOK && d.pgOK, tools: c.tools - d.tools}
}

func (c cpu) add(d cpu) cpu {
	return cpu{service: c.service + d.service, bench: c.bench + d.bench,
		postgres: c.postgres + d.postgres, pgOK: c.pgOK && d.pgOK, tools: c.tools + d.tools}
}

// cpuNow reads the processes' times from /proc and getrusage (Linux); what
// cannot be read counts nothing.
func (r *run) cpuNow() cpu {
	var c cpu
	for _, s := range []*service{r.svc, r.against} {
		if s != nil {
			c.service += procCPU(s.proc.Pid())
		}
	}
	c.servers, c.pgOK = postgresCPU()
	for _, t := range c.servers {
		c.postgres += t
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) == nil {
		c.tools = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return c
}

// perOp formats c per operation, leaving out whoever used next to nothing.
func (c cpu) perOp(n int) string {
	if n <= 0 {
		return "no operations"
	}
	var parts []string
	for _, p := range []struct {
		name string
		d    time.Duration
		ok   bool
	}{{"service", c.service, true}, {"bench process", c.bench, true}, {"PostgreSQL", c.postgres, c.pgOK}, {"tools", c.tools, true}} {
		switch {
		case !p.ok:
			parts = append(parts, p.name+" unknown")
		case p.d/time.Duration(n) >= 5*time.Microsecond:
			parts = append(parts, fmt.Sprintf("%s %s", p.name, ms(p.d/time.Duration(n))))
		}
	}
	return strings.Join(parts, ", ")
}

// clockTick is the unit of /proc/<pid>/stat's times: USER_HZ, 100 on every
// Linux the bench runs on.
const clockTick = 10 * time.Millisecond

// statFields returns the fields of /proc/<pid>/stat after the command's
// name (which may hold spaces), the name, and whether it could be read:
// fields[0] is the state, [1] the parent, [11] and [12] the process's user
// and system time, [13] and [14] those of its children that it waited for.
func statFields(pid string) (fields []string, name string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return nil, "", false
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return nil, "", false
	}
	fields = strings.Fields(s[end+1:])
	return fields, s[open+1 : end], len(fields) > 14
}

func ticks(fields []string, at ...int) time.Duration {
	var t int64
	for _, i := range at {
		n, _ := strconv.ParseInt(fields[i], 10, 64)
		t += n
	}
	return time.Duration(t) * clockTick
}

func procCPU(pid int) time.Duration {
	f, _, ok := statFields(strconv.Itoa(pid))
	if !ok {
		return 0
	}
	return ticks(f, 11, 12)
}

// postgresCPU sums, by server, the times of the processes named postgres,
// and of the ended backends that the server's postmaster (the one whose
// parent is not a postgres) reaped.
func postgresCPU() (map[string]time.Duration, bool) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, false
	}
	procs := map[string][]string{}
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		if f, name, ok := statFields(d.Name()); ok && name == "postgres" {
			procs[d.Name()] = f
		}
	}
	servers := map[string]time.Duration{}
	for pid, f := range procs {
		server := pid
		if _, child := procs[f[1]]; child {
			server = f[1] // a backend's parent is its postmaster
		} else {
			servers[server] += ticks(f, 13, 14)
		}
		servers[server] += ticks(f, 11, 12)
	}
	return servers, len(procs) > 0
}
