package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apigw/apigw/internal/admin"
	"github.com/apigw/apigw/internal/auth/cognito"
	"github.com/apigw/apigw/internal/auth/sigv4"
	"github.com/apigw/apigw/internal/cache"
	"github.com/apigw/apigw/internal/config"
	"github.com/apigw/apigw/internal/controlplane"
	"github.com/apigw/apigw/internal/gateway"
	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/limit"
	"github.com/apigw/apigw/internal/logging"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/state"
	"github.com/apigw/apigw/internal/template"
	"github.com/apigw/apigw/internal/watch"
	"github.com/apigw/apigw/internal/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// loaded is a template turned into a model, with its settings.
type loaded struct {
	model    *model.Model
	cfg      config.Config
	notes    []string
	includes []string // files AWS::Include read
	watch    []string // samconfig.toml, a CDK assembly's manifests and template: their changes reload
}

// load reads the template and config and builds the model; every problem
// is reported, nothing is started.
func load(o *options) (*loaded, error) {
	var cfg config.Config
	if o.configFile != "" {
		c, err := config.Load(o.configFile)
		if err != nil {
			return nil, err
		}
		cfg = *c
	}
	var ev *envVars
	if o.envVars != "" {
		var err error
		if ev, err = loadEnvVars(o.envVars); err != nil {
			return nil, err
		}
	}
	// The template file (a CDK cloud assembly names one), and the parameter
	// values samconfig.toml and CDK's deployment give.
	in, err := resolveInputs(o)
	if err != nil {
		return nil, err
	}
	stackName := o.stackName
	if !o.stackNameSet && in.stackName != "" {
		stackName = in.stackName
	}
	topts := template.Options{Params: in.params, Region: o.region, AccountID: o.accountID, StackName: stackName, Types: model.Types()}
	mo := model.Options{Region: o.region, AccountID: o.accountID, StackName: stackName, Functions: map[string]model.FunctionOverride{}}
	for name, f := range cfg.Functions {
		mo.Functions[name] = model.FunctionOverride{Code: f.Code, Endpoint: f.Endpoint}
	}
	tpl, err := in.loadTemplate(topts)
	if err != nil {
		return nil, withPlaceholderCheck(err, topts, mo, in)
	}
	var assetErrs template.ErrorList
	if in.cdk != nil {
		// CDK functions run from their asset folders, unless --config
		// gives their code.
		code, errs := in.cdk.functionCode(tpl, func(id, name string) bool {
			_, byID := cfg.Functions[id]
			_, byName := cfg.Functions[name]
			return byID || name != "" && byName
		})
		for id, p := range code {
			mo.Functions[id] = model.FunctionOverride{Code: p}
		}
		assetErrs = errs
	}
	m, err := model.Build(tpl, mo)
	if len(assetErrs) > 0 {
		var list template.ErrorList
		if err != nil && !errors.As(err, &list) {
			return nil, err
		}
		return nil, in.fileLines(append(assetErrs, list...))
	}
	if err != nil {
		return nil, in.fileLines(err)
	}
	notes := append(in.notes, m.Notes...)
	if in.cdk != nil {
		notes = dropCDKNotes(notes, in.declared)
	}
	if ev != nil {
		notes = append(notes, ev.apply(m)...)
	}
	l := &loaded{model: m, cfg: cfg, notes: notes, includes: tpl.Includes, watch: in.watch}
	return l, nil
}

// built is one template load compiled for the data plane and the Lambda
// runtime, not yet swapped in.
type built struct {
	gen     *gateway.Generation
	plan    *lambda.Plan
	notes   []string
	paths   []string // included files and local code, whose changes reload
	model   *model.Model
	deps    gateway.Deps
	issuers map[string]*cognito.Issuer // local user-pool issuers by logical ID
	ws      *websocket.Server          // the WebSocket APIs; nil when none
	wsCfg   websocket.Config           // what ws was built from, for recompiles
}

// newWebSocket builds a generation's WebSocket server (nil when the model
// has no WebSocket API), with the keys of the usage plans that cover its
// stages: the template's and those the control plane added.
func newWebSocket(cfg websocket.Config, access *gateway.Access) (*websocket.Server, error) {
	cfg.StageKeys = map[[2]string][]websocket.APIKey{}
	for _, up := range cfg.Model.UsagePlans {
		var keys []state.APIKey
		loaded := false
		for _, ps := range up.Stages {
			if ps.WS == nil {
				continue
			}
			if !loaded {
				var err error
				if keys, err = gateway.PlanKeys(cfg.Model, up, access); err != nil {
					return nil, err
				}
				loaded = true
			}
			ref := [2]string{ps.WS.ID, ps.Stage}
			for _, k := range keys {
				cfg.StageKeys[ref] = append(cfg.StageKeys[ref], websocket.APIKey{ID: k.ID, Value: k.Value, Enabled: k.Enabled})
			}
		}
	}
	return websocket.New(cfg)
}

// withWebSocket gives a generation's extra handlers (the Invoke API first)
// a WebSocket server's handler, in place of the previous generation's.
func withWebSocket(extra []gateway.Extra, ws *websocket.Server) []gateway.Extra {
	out := extra[:1:1]
	if ws != nil {
		out = append(out, gateway.Extra{Claims: ws.Claims, Handler: ws.Handle})
	}
	return out
}

// shared is the state that outlives generations: token buckets, and the
// store of quota counters and keys (--data/state.db; in memory for
// validate).
type shared struct {
	clock   limit.Clock
	buckets *limit.Buckets
	store   *state.Store
	// caches are the stage caches, kept across loads.
	caches *cache.Stages
	// hub holds the open WebSocket connections across loads; manage
	// verifies @connections calls (nil without --iam-credentials).
	hub    *websocket.Hub
	manage *sigv4.Verifier
	// iam verifies AWS_IAM methods (execute-api) and, with
	// --iam-credentials, the Invoke API (lambda); without the flag iam has
	// no identity (every AWS_IAM call is refused) and invoke is nil.
	iam, invoke *sigv4.Verifier

	// Cognito: the local issuers' keys live in issuerDir; remote JWKS
	// are kept by issuer URL across reloads.
	issuerDir  string
	remoteMu   sync.Mutex
	remoteKeys map[string]*cognito.RemoteKeys
}

// userPools gives each of the model's user pools its token verifier: the
// local issuer (its key in issuerDir), or the --config issuer. issuers are
// the local ones, by logical ID, for the admin endpoints.
func (st *shared) userPools(m *model.Model, cfg config.Config, region string) (verifiers map[string]*cognito.Verifier, issuers map[string]*cognito.Issuer, err error) {
	verifiers, issuers = map[string]*cognito.Verifier{}, map[string]*cognito.Issuer{}
	declared := map[string]bool{}
	for _, up := range m.UserPools {
		declared[up.LogicalID] = true
		if ext, ok := cfg.UserPools[up.LogicalID]; ok {
			st.remoteMu.Lock()
			keys := st.remoteKeys[ext.Issuer]
			if keys == nil {
				keys, err = cognito.NewRemoteKeys(ext.Issuer, cognito.RemoteOptions{})
				if err != nil {
					st.remoteMu.Unlock()
					return nil, nil, fmt.Errorf("config userPools.%s.issuer: %v", up.LogicalID, err)
				}
				st.remoteKeys[ext.Issuer] = keys
			}
			st.remoteMu.Unlock()
			verifiers[up.ID] = cognito.NewVerifier(ext.Issuer, keys, ext.Audiences, nil)
			continue
		}
		iss, err := cognito.NewIssuer(st.issuerDir, up.ID, region, up.ClientIDs, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("%s (AWS::Cognito::UserPool): its local issuer: %v", up.LogicalID, err)
		}
		issuers[up.LogicalID] = iss
		verifiers[up.ID] = cognito.NewVerifier(iss.URL(), iss, up.ClientIDs, nil)
	}
	for name := range cfg.UserPools {
		if !declared[name] {
			return nil, nil, fmt.Errorf("config userPools.%s: the template declares no AWS::Cognito::UserPool %s", name, name)
		}
	}
	return verifiers, issuers, nil
}

// jwtVerifiers gives each HTTP API JWT authorizer its verifier: tokens
// of the local issuer when its Issuer is a user pool of the template (the
// form https://cognito-idp.{region}.amazonaws.com/{poolId}), of the
// --config issuer of that pool, else of the issuer's own keys found by
// OIDC discovery ({issuer}/.well-known/openid-configuration), fetched on
// demand and kept across reloads.
func (st *shared) jwtVerifiers(issuers map[string]*cognito.Issuer, cfg config.Config, m *model.Model) func(a *model.HTTPAuthorizer) (gateway.JWTVerifier, error) {
	local := map[string]cognito.KeySource{}
	for _, iss := range issuers {
		local[iss.URL()] = iss
	}
	for _, up := range m.UserPools {
		if ext, ok := cfg.UserPools[up.LogicalID]; ok {
			st.remoteMu.Lock()
			if k := st.remoteKeys[ext.Issuer]; k != nil {
				local[ext.Issuer] = k
			}
			st.remoteMu.Unlock()
		}
	}
	return func(a *model.HTTPAuthorizer) (gateway.JWTVerifier, error) {
		if keys, ok := local[a.Issuer]; ok {
			return cognito.NewJWTVerifier(a.Issuer, keys, a.Audience, nil), nil
		}
		st.remoteMu.Lock()
		defer st.remoteMu.Unlock()
		keys := st.remoteKeys["discovery|"+a.Issuer]
		if keys == nil {
			var err error
			if keys, err = cognito.NewDiscoveredKeys(a.Issuer, cognito.RemoteOptions{}); err != nil {
				return nil, fmt.Errorf("%s: JwtConfiguration.Issuer: %v", a.LogicalID, err)
			}
			st.remoteKeys["discovery|"+a.Issuer] = keys
		}
		return cognito.NewJWTVerifier(a.Issuer, keys, a.Audience, nil), nil
	}
}

func newShared(o *options, store *state.Store) (*shared, error) {
	st := &shared{clock: limit.System, buckets: limit.NewBuckets(limit.System), store: store, caches: &cache.Stages{}, hub: websocket.NewHub(),
		issuerDir: filepath.Join(o.data, "userpools"), remoteKeys: map[string]*cognito.RemoteKeys{}}
	var creds map[string]sigv4.Credentials
	if o.iamCredentials != "" {
		var err error
		if creds, err = sigv4.LoadCredentialsFile(o.iamCredentials); err != nil {
			return nil, fmt.Errorf("--iam-credentials: %v", err)
		}
		st.invoke = &sigv4.Verifier{Region: o.region, Service: "lambda", AccountID: o.accountID, Creds: creds}
		st.manage = &sigv4.Verifier{Region: o.region, Service: "execute-api", AccountID: o.accountID, Creds: creds}
	}
	st.iam = &sigv4.Verifier{Region: o.region, Service: "execute-api", AccountID: o.accountID, Creds: creds}
	return st, nil
}

// build loads the template and compiles a generation: the functions'
// pools prepared on rt (warm ones reused), the gateway's table, the Invoke
// API of those functions. Nothing changes until the caller commits the
// plan and swaps the generation in; on error nothing has.
func build(o *options, logger *slog.Logger, rt *lambda.Runtime, st *shared, prev *gateway.Generation) (*built, error) {
	l, err := load(o)
	if err != nil {
		return nil, err
	}
	access := &gateway.Access{Buckets: st.buckets, Quotas: st.store, Keys: st.store, Clock: st.clock,
		KeyValue: func(k *model.APIKey) (string, error) {
			if k.Value != "" {
				return k.Value, nil
			}
			return st.store.GeneratedValue(k.LogicalID)
		}}
	if t := l.cfg.Account.Throttle; t != nil {
		access.Account = &model.Throttle{Rate: t.RateLimit, Burst: t.BurstLimit}
	}
	endpoints := map[string]string{}
	for name, f := range l.cfg.Functions {
		if f.Endpoint != "" {
			endpoints[name] = f.Endpoint
		}
	}
	plan, notes, err := lambda.Wire(rt, l.model, lambda.Setup{Region: o.region, AccountID: o.accountID, Endpoints: endpoints})
	if err != nil {
		return nil, err
	}
	fns := plan.Functions()
	invokeAPI := &lambda.InvokeAPI{Functions: fns, Region: o.region, AccountID: o.accountID, Logger: logger, Verifier: st.invoke}
	pools, issuers, err := st.userPools(l.model, l.cfg, o.region)
	if err != nil {
		plan.Abort()
		return nil, err
	}
	limits := websocket.DefaultLimits
	idle, maxDur, _ := l.cfg.WebSocket.Durations() // checked when the config was read
	if idle > 0 {
		limits.IdleTimeout = idle
	}
	if maxDur > 0 {
		limits.MaxDuration = maxDur
	}
	wsCfg := websocket.Config{Model: l.model, Invoker: fns, Hub: st.hub, Logger: logger, Verifier: st.manage, IAM: st.iam, Limits: limits,
		Buckets: st.buckets, Account: access.Account}
	ws, err := newWebSocket(wsCfg, access)
	if err != nil {
		plan.Abort()
		return nil, err
	}
	deps := gateway.Deps{Logger: logger, Invoker: fns, Region: o.region, Account: o.accountID,
		Extra: withWebSocket([]gateway.Extra{{Match: invokeAPI.Match, Handler: invokeAPI.Handle}}, ws), Access: access, IAM: st.iam, UserPools: pools,
		JWT:    st.jwtVerifiers(issuers, l.cfg, l.model),
		Caches: st.caches, CacheControl: gateway.CacheControl{AnyoneMayInvalidate: !l.cfg.Caching.RequireAuthorization(), Strategy: l.cfg.Caching.UnauthorizedCacheControlHeaderStrategy}}
	gen, err := gateway.Compile(l.model, deps, prev)
	if err != nil {
		plan.Abort()
		return nil, err
	}
	b := &built{gen: gen, plan: plan, notes: append(l.notes, notes...), paths: append(append([]string{}, l.includes...), l.watch...), model: l.model, deps: deps, issuers: issuers, ws: ws, wsCfg: wsCfg}
	for _, f := range l.model.Functions {
		if f.Code.Path != "" {
			b.paths = append(b.paths, f.Code.Path)
		}
	}
	return b, nil
}

// withPlaceholderCheck adds, to a template whose only errors are parameters
// without a value, the errors the rest of the template has: it checks it
// again with a placeholder for each such parameter, so one run lists all.
func withPlaceholderCheck(err error, topts template.Options, mo model.Options, in *inputs) error {
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
	tpl, err2 := in.loadTemplate(topts)
	if err2 == nil {
		_, err2 = model.Build(tpl, mo)
		err2 = in.fileLines(err2)
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

// errorLines are the lines validate prints after "error: ", and a failed
// reload logs and answers.
func errorLines(err error) []string {
	var list template.ErrorList
	if errors.As(err, &list) {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Error()
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}

func printErrors(stderr io.Writer, err error) {
	for _, line := range errorLines(err) {
		fmt.Fprintf(stderr, "error: %s\n", line)
	}
}

// refuseUnsupported fails for flags whose promise this version cannot
// keep, the same way for validate and serve: never silently ignored.
func refuseUnsupported(o *options) error {
	if o.redis != "" {
		// Several instances would each enforce their own limits and keys.
		return errors.New("--redis: shared state in Redis is not implemented yet, so apigw refuses to start rather than run instances that do not share state")
	}
	return nil
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
	if err := refuseUnsupported(o); err != nil {
		fmt.Fprintf(stderr, "apigw validate: %v\n", err)
		return 1
	}
	logger, _ := newLogger("error", stderr)
	rt, err := lambda.New(lambda.Options{Logger: logger}) // a temporary folder
	if err != nil {
		fmt.Fprintf(stderr, "apigw validate: %v\n", err)
		return 1
	}
	defer rt.Close()
	st, err := newShared(o, state.Memory())
	if err != nil {
		fmt.Fprintf(stderr, "apigw validate: %v\n", err)
		return 1
	}
	defer st.store.Close()
	// validate writes nothing to --data: local issuers' keys go to a
	// temporary folder.
	if st.issuerDir, err = os.MkdirTemp("", "apigw-userpools-"); err != nil {
		fmt.Fprintf(stderr, "apigw validate: %v\n", err)
		return 1
	}
	defer os.RemoveAll(st.issuerDir)
	b, err := build(o, logger, rt, st, nil)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	b.plan.Abort()
	printRoutes(stdout, b.gen.Routes(), b.ws.Routes(), o.addr)
	for _, n := range b.notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	fmt.Fprintf(stdout, "%s: OK\n", o.template)
	return 0
}

// printRoutes writes the route table; the URL uses the Host form when a
// stage name is shared by several APIs.
func printRoutes(w io.Writer, routes []gateway.Route, ws []websocket.Route, addr string) {
	// A stage name several APIs of one protocol share needs the Host form
	// (HTTP APIs' $default stages included); so does an HTTP API's named
	// stage that a REST API also has (the REST API takes the path).
	apisByStage := map[string]map[string]bool{}
	key := func(r gateway.Route) string {
		if r.HTTPAPI {
			return "http|" + r.Stage
		}
		return r.Stage
	}
	for _, r := range routes {
		if apisByStage[key(r)] == nil {
			apisByStage[key(r)] = map[string]bool{}
		}
		apisByStage[key(r)][r.APIID] = true
	}
	_, port, _ := net.SplitHostPort(addr)
	for _, r := range routes {
		base := "http://" + addr
		if len(apisByStage[key(r)]) > 1 || r.HTTPAPI && apisByStage[r.Stage] != nil {
			base = "http://" + r.APIID + ".execute-api.localhost:" + port
		}
		if !r.HTTPAPI {
			fmt.Fprintf(w, "%-7s %s/%s%s -> %s\n", r.Method, base, r.Stage, r.Path, r.Target)
			continue
		}
		// An HTTP API: $default is served at the root; the $default route
		// takes what no other route does.
		if r.Stage != "$default" {
			base += "/" + r.Stage
		}
		path := r.Path
		if path == "$default" {
			path = "/* ($default route)"
		}
		fmt.Fprintf(w, "%-7s %s%s -> %s\n", r.Method, base, path, r.Target)
	}
	for _, r := range ws {
		base := "ws://" + addr
		if r.Shared {
			base = "ws://" + r.APIID + ".execute-api.localhost:" + port
		}
		fmt.Fprintf(w, "%-7s %s/%s %s -> %s\n", "WS", base, r.Stage, r.Key, r.Target)
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
	if err := refuseUnsupported(o); err != nil {
		fmt.Fprintf(stderr, "apigw serve: %v\n", err)
		return 1
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
	dataDir, err := filepath.Abs(o.data)
	if err != nil {
		fmt.Fprintf(stderr, "apigw serve: --data: %v\n", err)
		return 2
	}
	rt, err := lambda.New(lambda.Options{Logger: logger, WorkDir: lambdaWorkDir(o.data),
		PassEnv:  []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"},
		SkipDirs: []string{dataDir}})
	if err != nil {
		fmt.Fprintf(stderr, "apigw serve: %v\n", err)
		return 1
	}
	defer rt.Close()
	store, err := state.Open(dataDir, limit.System)
	if err != nil {
		fmt.Fprintf(stderr, "apigw serve: --data: %v\n", err)
		return 1
	}
	defer store.Close()
	st, err := newShared(o, store)
	if err != nil {
		fmt.Fprintf(stderr, "apigw serve: %v\n", err)
		return 1
	}
	srvState := &server{o: o, logger: logger, stdout: stdout, rt: rt, gw: gateway.NewEmpty(logger), shared: st, started: time.Now()}
	b, err := build(o, logger, rt, st, nil)
	if err != nil {
		printErrors(stderr, err)
		fmt.Fprintln(stderr, "apigw serve: the template cannot be served; nothing was started")
		return 1
	}
	for _, n := range b.notes {
		logger.Warn("template note", "note", n)
	}

	// Signals are caught before the listeners open, so a supervisor that
	// sends SIGTERM as soon as apigw serves gets a graceful shutdown.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	dataLn, err := net.Listen("tcp", o.addr)
	if err != nil {
		b.plan.Abort()
		fmt.Fprintf(stderr, "apigw serve: --addr: %v\n", err)
		return 1
	}
	adminLn, err := net.Listen("tcp", o.adminAddr)
	if err != nil {
		b.plan.Abort()
		dataLn.Close()
		fmt.Fprintf(stderr, "apigw serve: --admin-addr: %v\n", err)
		return 1
	}
	srvState.dataAddr = dataLn.Addr().String()
	srvState.install(b, "start")
	g := srvState.gw
	srv := g.Server()
	adm := admin.New(rt.Health, srvState.healthStatus)
	registerMetrics(adm.Registry, g.Stats())
	adm.Registry.MustRegister(cacheCollector{st.caches})
	defer st.caches.Close()
	adm.Mux.HandleFunc("POST /reload", srvState.handleReload)
	adm.Mux.HandleFunc("GET /reload", srvState.handleReloadStatus)
	adm.Mux.HandleFunc("POST /userpools/{id}/tokens", srvState.handleUserPool(func(i *cognito.Issuer) http.Handler { return i.TokenHandler() }))
	adm.Mux.HandleFunc("GET /userpools/{id}/.well-known/jwks.json", srvState.handleUserPool(func(i *cognito.Issuer) http.Handler { return i.JWKSHandler() }))
	(&controlplane.API{View: srvState.controlView, Quotas: st.store, Keys: st.store, Clock: st.clock, Changed: srvState.recompile,
		FlushStageCache: g.FlushStageCache}).Register(adm.Mux)

	if !o.noWatch {
		w, err := watch.New(250*time.Millisecond, logger, lambda.IgnoredCodeFile, []string{dataDir}, func() { srvState.reload("watcher") })
		if err != nil {
			logger.Warn("file watcher unavailable: reload with SIGHUP or POST /reload", "error", err)
		} else {
			srvState.watcher = w
			srvState.setWatched(b.paths)
			defer w.Close()
		}
	}

	// Buckets idle and full for long are dropped: a new one starts full.
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	go func() {
		for range sweep.C {
			st.buckets.Sweep()
		}
	}()

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(gateway.FramingListener(dataLn)) }()
	go func() { errc <- adm.Serve(adminLn) }()

	logger.Info("apigw serving", "addr", dataLn.Addr().String(), "admin", adminLn.Addr().String(), "template", o.template)

	code := 0
loop:
	for {
		select {
		case <-hup:
			go srvState.reload("SIGHUP")
		case s := <-sig:
			logger.Info("shutting down", "signal", s.String())
			break loop
		case err := <-errc:
			logger.Error("listener failed", "error", err)
			code = 1
			break loop
		}
	}
	if srvState.watcher != nil {
		srvState.watcher.Close()
	}
	// Hijacked WebSocket connections are not the server's to wait for:
	// close them first, so their $disconnect runs while functions still do.
	st.hub.CloseAll(5 * time.Second)
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

// cacheCollector exports the stage caches' counters and usage.
type cacheCollector struct{ caches *cache.Stages }

var (
	cacheHitsDesc    = prometheus.NewDesc("apigw_cache_hits_total", "Requests answered from a stage cache (CacheHitCount).", []string{"api", "stage"}, nil)
	cacheMissesDesc  = prometheus.NewDesc("apigw_cache_misses_total", "Requests to cached methods that the integration answered (CacheMissCount).", []string{"api", "stage"}, nil)
	cacheBytesDesc   = prometheus.NewDesc("apigw_cache_bytes", "Bytes a stage cache holds.", []string{"api", "stage"}, nil)
	cacheEntriesDesc = prometheus.NewDesc("apigw_cache_entries", "Entries a stage cache holds.", []string{"api", "stage"}, nil)
	cacheBudgetDesc  = prometheus.NewDesc("apigw_cache_budget_bytes", "A stage cache's byte budget (CacheClusterSize).", []string{"api", "stage"}, nil)
)

func (cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cacheHitsDesc, cacheMissesDesc, cacheBytesDesc, cacheEntriesDesc, cacheBudgetDesc} {
		ch <- d
	}
}

func (c cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.caches.All() {
		bytes, entries := st.Store.Usage()
		ch <- prometheus.MustNewConstMetric(cacheHitsDesc, prometheus.CounterValue, float64(st.Hits.Load()), st.API, st.Name)
		ch <- prometheus.MustNewConstMetric(cacheMissesDesc, prometheus.CounterValue, float64(st.Misses.Load()), st.API, st.Name)
		ch <- prometheus.MustNewConstMetric(cacheBytesDesc, prometheus.GaugeValue, float64(bytes), st.API, st.Name)
		ch <- prometheus.MustNewConstMetric(cacheEntriesDesc, prometheus.GaugeValue, float64(entries), st.API, st.Name)
		ch <- prometheus.MustNewConstMetric(cacheBudgetDesc, prometheus.GaugeValue, float64(st.Budget), st.API, st.Name)
	}
}
