package lambda

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	group := syscall.Getpgrp()
	// Orphans of the runtime become our children, so they can be found.
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
		<-sigs
		// apigw is gone or stopping: end the whole group, this process too.
		syscall.Kill(-group, syscall.SIGKILL)
	}()
	err := cmd.Wait()
	killLeftovers(self, group)
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

// killLeftovers kills every process of the group, and every child of the
// supervisor, other than the supervisor itself.
func killLeftovers(self, group int) {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:]) // state ppid pgrp ...
		if len(fields) < 3 {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:strings.IndexByte(s, ' ')]))
		ppid, _ := strconv.Atoi(fields[1])
		pgrp, _ := strconv.Atoi(fields[2])
		if pid != self && (pgrp == group || ppid == self) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	// Reap what we killed.
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
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
