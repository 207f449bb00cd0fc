package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/config"
	"github.com/apigw/apigw/internal/gateway"
	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/logging"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/template"
	"github.com/prometheus/client_golang/prometheus"
)

// loaded is a template turned into a servable model.
type loaded struct {
	model   *model.Model
	invoker *lambda.Router
	runtime *lambda.Runtime // nil when no function runs locally
	notes   []string
}

// load reads the template and config and builds the model; every problem
// is reported, nothing is started.
func load(o *options, logger *slog.Logger, workDir string) (*loaded, error) {
	var cfg config.Config
	if o.configFile != "" {
		c, err := config.Load(o.configFile)
		if err != nil {
			return nil, err
		}
		cfg = *c
	}
	topts := template.Options{Params: o.params, Region: o.region, AccountID: o.accountID, StackName: o.stackName, Types: model.Types()}
	mo := model.Options{Region: o.region, AccountID: o.accountID, StackName: o.stackName, Functions: map[string]model.FunctionOverride{}}
	for name, f := range cfg.Functions {
		mo.Functions[name] = model.FunctionOverride{Code: f.Code, Endpoint: f.Endpoint}
	}
	tpl, err := template.Load(o.template, topts)
	if err != nil {
		return nil, withPlaceholderCheck(err, topts, mo, o.template)
	}
	m, err := model.Build(tpl, mo)
	if err != nil {
		return nil, err
	}
	l := &loaded{model: m, notes: m.Notes}
	inv, rt, notes, err := invokers(m, cfg, o, logger, workDir)
	if err != nil {
		return nil, err
	}
	l.invoker, l.runtime = inv, rt
	l.notes = append(l.notes, notes...)
	for name := range cfg.UserPools {
		l.notes = append(l.notes, fmt.Sprintf("config userPools.%s: user-pool authorizers are not enforced yet", name))
	}
	return l, nil
}

// withPlaceholderCheck adds, to a template whose only errors are parameters
// without a value, the errors the rest of the template has: it checks it
// again with a placeholder for each such parameter, so one run lists all.
func withPlaceholderCheck(err error, topts template.Options, mo model.Options, file string) error {
	var list template.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	params := map[string]string{}
	for k, v := range topts.Params {
		params[k] = v
	}
	for _, e := range list {
		if !strings.Contains(e.Msg, "has no value: pass --param") || e.LogicalID == "" {
			return err
		}
		params[e.LogicalID] = "1"
	}
	topts.Params = params
	tpl, err2 := template.Load(file, topts)
	if err2 == nil {
		_, err2 = model.Build(tpl, mo)
	}
	var more template.ErrorList
	if errors.As(err2, &more) {
		for _, e := range more {
			if !strings.Contains(e.Msg, "has no value") {
				e.Msg += " (checked with a placeholder for the parameters without a value)"
				list = append(list, e)
			}
		}
	}
	return list
}

// invokers wires each function to where it runs: a remote Invoke API when
// --config gives an endpoint, else the local runtime.
//
// serve keeps the runtime's files in --data (lambda/), so a later start
// cleans up after an apigw that was killed; validate uses a temporary folder.
func invokers(m *model.Model, cfg config.Config, o *options, logger *slog.Logger, workDir string) (*lambda.Router, *lambda.Runtime, []string, error) {
	r := lambda.NewRouter()
	used := map[*model.Function]bool{}
	for _, api := range m.RestAPIs {
		for _, res := range api.Resources {
			for _, meth := range res.Methods {
				if in := meth.Integration; in.Type == model.AWSProxy && in.Target != nil {
					used[in.Target] = true
				}
			}
		}
	}
	var signer *lambda.Signer
	for _, f := range cfg.Functions {
		if f.Endpoint != "" {
			signer = lambda.NewSigner(context.Background(), o.region)
			break
		}
	}
	for name, f := range cfg.Functions {
		if f.Endpoint != "" {
			r.Add(&lambda.Remote{Endpoint: f.Endpoint, Signer: signer}, name)
		}
	}
	var specs []lambda.Spec
	var problems, notes []string
	for _, f := range m.Functions {
		ep := ""
		if c, ok := cfg.Functions[f.LogicalID]; ok {
			ep = c.Endpoint
		} else if c, ok := cfg.Functions[f.Name]; ok {
			ep = c.Endpoint
		}
		if ep != "" {
			r.Add(&lambda.Remote{Endpoint: ep, Name: f.Name, Signer: signer}, f.Name, f.LogicalID, f.ARN)
			continue
		}
		spec, err := specOf(f, o)
		if err == nil {
			err = lambda.CheckSpec(spec)
		}
		if err != nil {
			prop, line := "Code", f.CodeLine
			if isRuntimeProblem(err) {
				prop, line = "Runtime", f.RuntimeLine
			}
			msg := fmt.Sprintf("%s:%d: %s.Properties.%s: function %s: %v", m.File, line, f.LogicalID, prop, f.Name, err)
			if used[f] {
				problems = append(problems, msg)
			} else {
				notes = append(notes, msg+"; no API calls it, so it is left out")
			}
			continue
		}
		specs = append(specs, spec)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, nil, nil, errors.New(strings.Join(problems, "\n"))
	}
	var rt *lambda.Runtime
	if len(specs) > 0 {
		var err error
		rt, err = lambda.NewRuntime(specs, lambda.Options{Logger: logger, WorkDir: workDir,
			PassEnv: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}})
		if err != nil {
			return nil, nil, nil, err
		}
		for _, s := range specs {
			r.Add(rt, s.Name, s.LogicalID, s.ARN)
		}
	}
	return r, rt, notes, nil
}

// isRuntimeProblem tells a problem with the Runtime property (unsupported,
// interpreter missing) from one with the code.
func isRuntimeProblem(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "runtime ") || strings.HasPrefix(s, "Runtime ")
}

// specOf describes a template function for the local runtime.
func specOf(f *model.Function, o *options) (lambda.Spec, error) {
	s := lambda.Spec{Name: f.Name, LogicalID: f.LogicalID, ARN: f.ARN, Runtime: f.Runtime, Handler: f.Handler,
		MemoryMB: f.MemorySize, Timeout: f.Timeout, Env: f.Environment, Reserved: f.ReservedConcurrency,
		Region: o.region, AccountID: o.accountID}
	switch c := f.Code; {
	case c.ZipFile != "":
		s.Inline = c.ZipFile
	case c.Path != "" && strings.HasSuffix(strings.ToLower(c.Path), ".zip"):
		s.Zip = c.Path
	case c.Path != "":
		s.Dir = c.Path
	case c.S3Bucket != "":
		return s, fmt.Errorf("its code is in S3 (s3://%s/%s), which apigw cannot fetch: give a local copy with --config (functions: {%s: {code: ./path}})", c.S3Bucket, c.S3Key, f.LogicalID)
	case c.ImageURI != "":
		return s, fmt.Errorf("container image functions are not supported")
	default:
		return s, fmt.Errorf("the function has no code")
	}
	return s, nil
}

// lambdaWorkDir is this process's folder for function code under --data:
// lambda/<pid>. Folders of apigw processes that are gone (killed before
// they could clean up) are removed; those of running ones are left alone,
// so two apigw instances may share --data.
func lambdaWorkDir(data string) string {
	base := filepath.Join(data, "lambda")
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	return filepath.Join(base, strconv.Itoa(os.Getpid()))
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %v", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func printErrors(stderr io.Writer, err error) {
	var list template.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintf(stderr, "error: %s\n", e)
		}
		return
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintf(stderr, "error: %s\n", line)
	}
}

func validate(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags("validate", args, stdout, stderr)
	if helpRequested(err) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "apigw validate: %v\n", err)
		return 2
	}
	logger, _ := newLogger("error", stderr)
	l, err := load(o, logger, "")
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	if l.runtime != nil {
		defer l.runtime.Close()
	}
	g, err := gateway.New(l.model, gateway.Deps{Logger: logger, Invoker: l.invoker, Region: o.region, Account: o.accountID})
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	printRoutes(stdout, g.Routes(), o.addr)
	for _, n := range l.notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	fmt.Fprintf(stdout, "%s: OK\n", o.template)
	return 0
}

// printRoutes writes the route table; the URL uses the Host form when a
// stage name is shared by several APIs.
func printRoutes(w io.Writer, routes []gateway.Route, addr string) {
	apisByStage := map[string]map[string]bool{}
	for _, r := range routes {
		if apisByStage[r.Stage] == nil {
			apisByStage[r.Stage] = map[string]bool{}
		}
		apisByStage[r.Stage][r.APIID] = true
	}
	_, port, _ := net.SplitHostPort(addr)
	for _, r := range routes {
		base := "http://" + addr
		if len(apisByStage[r.Stage]) > 1 {
			base = "http://" + r.APIID + ".execute-api.localhost:" + port
		}
		fmt.Fprintf(w, "%-7s %s/%s%s -> %s\n", r.Method, base, r.Stage, r.Path, r.Target)
	}
}

func serve(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags("serve", args, stdout, stderr)
	if helpRequested(err) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "apigw serve: %v\n", err)
		return 2
	}
	// Logs go through a buffer flushed every 50 ms: function START/END/REPORT
	// lines would otherwise cost a write each on the request path.
	logOut := logging.NewWriter(stderr, 50*time.Millisecond)
	defer logOut.Close()
	logger, err := newLogger(o.logLevel, logOut)
	if err != nil {
		fmt.Fprintf(stderr, "apigw serve: %v\n", err)
		return 2
	}
	if o.iamCredentials != "" {
		// Fail closed: the Invoke API and @connections must then check
		// signatures, which this version cannot do yet.
		fmt.Fprintln(stderr, "apigw serve: --iam-credentials: SigV4 verification is not implemented yet, so apigw refuses to start rather than accept unsigned calls")
		return 1
	}
	l, err := load(o, logger, lambdaWorkDir(o.data))
	if err != nil {
		printErrors(stderr, err)
		fmt.Fprintln(stderr, "apigw serve: the template cannot be served; nothing was started")
		return 1
	}
	if l.runtime != nil {
		defer l.runtime.Close()
	}
	invokeAPI := &lambda.InvokeAPI{Runtime: l.runtime, Region: o.region, AccountID: o.accountID, Logger: logger}
	g, err := gateway.New(l.model, gateway.Deps{Logger: logger, Invoker: l.invoker, Region: o.region, Account: o.accountID,
		Extra: []gateway.Extra{{Match: invokeAPI.Match, Handler: invokeAPI.Handle}}})
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	for _, n := range l.notes {
		logger.Warn("template note", "note", n)
	}

	// Signals are caught before the listeners open, so a supervisor that
	// sends SIGTERM as soon as apigw serves gets a graceful shutdown.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	dataLn, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(stderr, "apigw serve: --addr: %v\n", err)
		return 1
	}
	adminLn, err := net.Listen("tcp", o.adminAddr)
	if err != nil {
		dataLn.Close()
		fmt.Fprintf(stderr, "apigw serve: --admin-addr: %v\n", err)
		return 1
	}
	srv := g.Server()
	adm := admin.New(func() map[string]string {
		if l.runtime == nil {
			return nil
		}
		return l.runtime.Health()
	})
	registerMetrics(adm.Registry, g.Stats())

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(gateway.FramingListener(dataLn)) }()
	go func() { errc <- adm.Serve(adminLn) }()

	printRoutes(stdout, g.Routes(), dataLn.Addr().String())
	logger.Info("apigw serving", "addr", dataLn.Addr().String(), "admin", adminLn.Addr().String(), "template", o.template)

	code := 0
	select {
	case s := <-sig:
		logger.Info("shutting down", "signal", s.String())
	case err := <-errc:
		logger.Error("listener failed", "error", err)
		code = 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.ShutdownWithContext(ctx); err != nil {
		logger.Warn("data plane shutdown", "error", err)
	}
	adm.Shutdown(ctx)
	logger.Info("stopped")
	return code
}

func registerMetrics(reg *prometheus.Registry, st *gateway.Stats) {
	counter := func(name, help string, v func() uint64, labels prometheus.Labels) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v()) }))
	}
	counter("apigw_requests_total", "Data-plane requests received.", st.Requests.Load, nil)
	counter("apigw_responses_total", "Data-plane responses by status class.", st.Status2xx.Load, prometheus.Labels{"class": "2xx"})
	counter("apigw_responses_total", "Data-plane responses by status class.", st.Status3xx.Load, prometheus.Labels{"class": "3xx"})
	counter("apigw_responses_total", "Data-plane responses by status class.", st.Status4xx.Load, prometheus.Labels{"class": "4xx"})
	counter("apigw_responses_total", "Data-plane responses by status class.", st.Status5xx.Load, prometheus.Labels{"class": "5xx"})
}
