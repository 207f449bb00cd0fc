package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// options are the flags serve and validate share (CONTRACT.md).
type options struct {
	addr, adminAddr string
	data            string
	params          map[string]string
	region          string
	accountID       string
	stackName       string
	stackNameSet    bool // --stack-name was given (else a CDK stack's name, or the file's base name)
	iamCredentials  string
	configFile      string
	redis           string
	logLevel        string
	noWatch         bool
	envVars         string // --env-vars: SAM CLI's function environment overrides
	template        string
}

type paramFlag map[string]string

func (p paramFlag) String() string { return "" }

func (p paramFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	if _, dup := p[name]; dup {
		return fmt.Errorf("parameter %s given twice", name)
	}
	p[name] = value
	return nil
}

// parseFlags parses serve's and validate's flags and the TEMPLATE. For -h,
// -help or --help it prints the usage to stdout and returns flag.ErrHelp
// (the caller exits 0); for any other mistake it prints the usage to
// stderr and returns the error.
func parseFlags(cmd string, args []string, stdout, stderr io.Writer) (*options, error) {
	o := &options{params: map[string]string{}}
	fs := flag.NewFlagSet("apigw "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "data-plane listener `HOST:PORT`: the APIs and the Lambda Invoke API")
	fs.StringVar(&o.adminAddr, "admin-addr", "127.0.0.1:8081", "admin listener `HOST:PORT`: /healthz, /metrics, /reload")
	fs.StringVar(&o.data, "data", ".apigw", "`DIR` for embedded state kept across restarts")
	fs.Var(paramFlag(o.params), "param", "template parameter override `NAME=VALUE` (repeatable)")
	fs.StringVar(&o.region, "region", "us-east-1", "AWS::Region")
	fs.StringVar(&o.accountID, "account-id", "123456789012", "AWS::AccountId")
	fs.StringVar(&o.stackName, "stack-name", "", "AWS::StackName (default: the template file's base name)")
	fs.StringVar(&o.iamCredentials, "iam-credentials", "", "AWS shared-credentials `FILE`: the identities AWS_IAM methods and the Invoke API accept (SigV4)")
	fs.StringVar(&o.configFile, "config", "", "apigw settings `FILE`: functions' local code or remote endpoints")
	fs.StringVar(&o.redis, "redis", "", "shared state in Redis `URL` (not implemented yet: apigw refuses to start with it)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&o.noWatch, "no-watch", false, "do not reload when the template, --config or local code changes (SIGHUP and POST /reload still reload)")
	fs.StringVar(&o.envVars, "env-vars", "", "function environment overrides `FILE` in SAM CLI's JSON format: {\"FunctionLogicalId\": {\"VAR\": \"value\"}, \"Parameters\": {...}}")
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: apigw %s [flags] TEMPLATE\n\nFlags:\n", cmd)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	// The flag package calls Usage for a bad flag (after printing the error
	// to stderr) and for -h alike: the usage is printed below, where the
	// two are told apart.
	fs.Usage = func() {}
	// Flags may come before or after the template.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage(stdout)
				return nil, err
			}
			usage(stderr)
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		usage(stderr)
		return nil, errors.New("give exactly one TEMPLATE")
	}
	o.template = positional[0]
	o.stackNameSet = o.stackName != ""
	if o.stackName == "" {
		base := filepath.Base(o.template)
		o.stackName = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if o.redis != "" {
		u, err := url.Parse(o.redis)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return nil, fmt.Errorf("--redis: %q is not a redis:// URL", o.redis)
		}
	}
	if o.iamCredentials != "" {
		if _, err := os.Stat(o.iamCredentials); err != nil {
			return nil, fmt.Errorf("--iam-credentials: %v", err)
		}
	}
	return o, nil
}

// helpRequested tells whether parseFlags failed only because -h, -help or
// --help asked for the usage, which it has printed: the command exits 0.
func helpRequested(err error) bool { return errors.Is(err, flag.ErrHelp) }
