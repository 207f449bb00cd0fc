// Package config reads apigw's own settings file (--config), described in
// CONTRACT.md: local code or remote endpoints for functions, and issuers for
// user pools.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"time"

	"github.com/apigw/apigw/internal/inputfile"
	"go.yaml.in/yaml/v3"
)

// Config is the --config file.
type Config struct {
	Functions map[string]Function `yaml:"functions"`
	UserPools map[string]UserPool `yaml:"userPools"`
	Account   Account             `yaml:"account"`
	Caching   Caching             `yaml:"caching"`
	WebSocket WebSocket           `yaml:"webSocket"`
}

// WebSocket shortens (or lengthens) API Gateway's connection limits for
// development: durations such as "30s", "10m", "2h".
type WebSocket struct {
	IdleTimeout string `yaml:"idleTimeout"` // default 10m
	MaxDuration string `yaml:"maxDuration"` // default 2h
}

// Durations parses the limits; zero for each one unset.
func (w WebSocket) Durations() (idle, max time.Duration, err error) {
	parse := func(name, v string) (time.Duration, error) {
		if v == "" {
			return 0, nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("webSocket.%s: %q is not a positive duration such as 30s or 10m", name, v)
		}
		return d, nil
	}
	if idle, err = parse("idleTimeout", w.IdleTimeout); err != nil {
		return 0, 0, err
	}
	max, err = parse("maxDuration", w.MaxDuration)
	return idle, max, err
}

// Caching is how stage caches treat a client's Cache-Control: max-age=0:
// API Gateway's per-method settings that CloudFormation cannot set.
type Caching struct {
	// RequireAuthorizationForCacheControl: only callers allowed
	// execute-api:InvalidateCache may invalidate (default true, as in API
	// Gateway).
	RequireAuthorizationForCacheControl *bool `yaml:"requireAuthorizationForCacheControl"`
	// UnauthorizedCacheControlHeaderStrategy: FAIL_WITH_403,
	// SUCCEED_WITH_RESPONSE_HEADER (the default) or
	// SUCCEED_WITHOUT_RESPONSE_HEADER.
	UnauthorizedCacheControlHeaderStrategy string `yaml:"unauthorizedCacheControlHeaderStrategy"`
}

// RequireAuthorization is RequireAuthorizationForCacheControl, true when
// unset.
func (c Caching) RequireAuthorization() bool {
	return c.RequireAuthorizationForCacheControl == nil || *c.RequireAuthorizationForCacheControl
}

// Account holds account-level settings.
type Account struct {
	// Throttle is the account-level limit every method is under; none when
	// unset (AWS applies 10,000 requests/s with a burst of 5,000).
	Throttle *Throttle `yaml:"throttle"`
}

// Throttle is a token bucket: rateLimit requests a second, burstLimit
// at once.
type Throttle struct {
	RateLimit  float64 `yaml:"rateLimit"`
	BurstLimit int     `yaml:"burstLimit"`
}

// Function overrides where a function's code is or where it runs.
type Function struct {
	Code     string `yaml:"code"`     // a folder or .zip; relative to the config file
	Endpoint string `yaml:"endpoint"` // a Lambda Invoke API base URL
}

// UserPool trusts an external OIDC issuer instead of the local one.
type UserPool struct {
	Issuer    string   `yaml:"issuer"`
	Audiences []string `yaml:"audiences"`
}

// Load reads a config file. Unknown keys are errors, so a typo never goes
// unnoticed.
func Load(path string) (*Config, error) {
	data, err := inputfile.Read(path, inputfile.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the config file: %v", path, err)
	}
	return Parse(path, data)
}

// Parse reads config file contents; path resolves relative code paths.
func Parse(path string, data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // an empty file is no settings
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if _, _, err := c.WebSocket.Durations(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	switch c.Caching.UnauthorizedCacheControlHeaderStrategy {
	case "", "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER":
	default:
		return nil, fmt.Errorf("%s: caching.unauthorizedCacheControlHeaderStrategy: %q is not FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or SUCCEED_WITHOUT_RESPONSE_HEADER", path, c.Caching.UnauthorizedCacheControlHeaderStrategy)
	}
	dir := filepath.Dir(path)
	for name, f := range c.Functions {
		if f.Code == "" && f.Endpoint == "" {
			return nil, fmt.Errorf("%s: functions.%s: give code or endpoint", path, name)
		}
		if f.Code != "" && f.Endpoint != "" {
			return nil, fmt.Errorf("%s: functions.%s: give code or endpoint, not both", path, name)
		}
		if f.Code != "" && !filepath.IsAbs(f.Code) {
			f.Code = filepath.Join(dir, f.Code)
			if abs, err := filepath.Abs(f.Code); err == nil {
				f.Code = abs
			}
		}
		if f.Endpoint != "" {
			u, err := url.Parse(f.Endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("%s: functions.%s.endpoint: %q is not an http:// or https:// URL", path, name, f.Endpoint)
			}
		}
		c.Functions[name] = f
	}
	if t := c.Account.Throttle; t != nil && (t.RateLimit < 0 || t.BurstLimit < 0) {
		return nil, fmt.Errorf("%s: account.throttle: rateLimit and burstLimit are not negative", path)
	}
	for name, p := range c.UserPools {
		u, err := url.Parse(p.Issuer)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("%s: userPools.%s.issuer: %q is not a URL", path, name, p.Issuer)
		}
	}
	return &c, nil
}
