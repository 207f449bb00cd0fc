package lambda

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// supervisorEnv marks a process apigw started as an instance supervisor.
const supervisorEnv = "_APIGW_LAMBDA_SUPERVISOR"

// RunSupervisorIfAsked turns this process into an instance supervisor when
// apigw started it as one, and never returns then. Call it first thing in
// main (and in TestMain of tests that run instances).
//
// Why a supervisor: each instance is a process group that apigw kills
// whole on timeout, crash and shutdown. If apigw itself is killed (SIGKILL,
// OOM), nothing of it runs to clean up; the kernel tells the supervisor
// (parent-death signal), and the supervisor kills the group: the runtime
// and whatever it started. It also ends what the runtime leaves behind
// when it exits, as Lambda tears down an execution environment.
func RunSupervisorIfAsked() {
	if os.Getenv(supervisorEnv) != "1" {
		return
	}
	os.Exit(supervise(os.Args[1:]))
}

func supervise(argv []string) int {
	if len(argv) == 0 {
		return 2
	}
	self := os.Getpid()
	// Orphans of the runtime (daemons, processes in a session of their own)
	// become our children instead of init's, so every process the function
	// started is a descendant of ours and can be found.
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, supervisorEnv+"=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.Stderr.WriteString("apigw: " + err.Error() + "\n")
		return 126
	}
	go func() {
		// apigw stops this instance, or is gone (the parent-death signal):
		// end every process the function started, then this one.
		s := <-sigs
		killDescendants(self)
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	err := cmd.Wait()
	// The runtime has ended; what it left running ends with it, as Lambda
	// tears down an execution environment.
	killDescendants(self)
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			signal.Reset()
			syscall.Kill(self, ws.Signal())
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
const prSetChildSubreaper = 36

// killDescendants kills every descendant of the supervisor, whatever its
// process group or session, and reaps them. Processes forked while it works
// are orphaned to the supervisor (a subreaper) and found in the next round.
func killDescendants(self int) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := descendants(self)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err == syscall.ECHILD && len(pids) == 0 {
				return // no child left, and none was running
			}
			if pid <= 0 || err != nil {
				break
			}
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// descendants lists the processes below pid (children, their children...)
// from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		j := strings.IndexByte(s, ' ')
		if i < 0 || j < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:]) // state ppid pgrp ...
		if len(fields) < 2 || fields[0] == "Z" {
			continue // a zombie is dead already: it only needs reaping
		}
		p, err1 := strconv.Atoi(s[:j])
		ppid, err2 := strconv.Atoi(fields[1])
		if err1 == nil && err2 == nil {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, c := range children[next] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// runtimePID is the pid of the runtime under a supervisor, for memory figures.
func runtimePID(supervisor int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(supervisor) + "/task/" + strconv.Itoa(supervisor) + "/children")
	if err != nil {
		return supervisor
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		if n, err := strconv.Atoi(f[0]); err == nil {
			return n
		}
	}
	return supervisor
}
