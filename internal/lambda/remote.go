package lambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/apigw/apigw/internal/funcref"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// maxResponse is Lambda's synchronous response limit (6 MB).
const maxResponse = 6 << 20

// Remote invokes functions through a Lambda Invoke API at a base URL
// (POST {base}/2015-03-31/functions/{name}/invocations).
type Remote struct {
	Endpoint string // base URL, e.g. http://127.0.0.1:9001
	// Name is the function name sent to the endpoint; the runtime emulator
	// accepts any name.
	Name   string
	Client *http.Client
	// Signer signs requests with SigV4 when set (AWS itself needs it).
	Signer *Signer
}

// Signer signs Invoke API requests with SigV4 for service "lambda".
type Signer struct {
	Credentials aws.CredentialsProvider
	Region      string
	signer      *v4.Signer
}

// NewSigner loads credentials from the standard chain (environment, shared
// files, SSO, container credentials); it returns nil when there are none.
// The EC2 instance metadata service is never asked.
func NewSigner(ctx context.Context, region string) *Signer {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithEC2IMDSClientEnableState(imds.ClientDisabled), config.WithRegion(region))
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil
	}
	return &Signer{Credentials: cfg.Credentials, Region: region, signer: v4.NewSigner()}
}

// regionOf takes the region from an AWS endpoint host (lambda.REGION.amazonaws.com).
func (s *Signer) regionOf(host string) string {
	parts := strings.Split(host, ".")
	if len(parts) >= 4 && parts[0] == "lambda" {
		return parts[1]
	}
	return s.Region
}

func (s *Signer) sign(ctx context.Context, req *http.Request, body []byte) error {
	creds, err := s.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	return s.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", s.regionOf(req.URL.Hostname()), time.Now())
}

var _ Invoker = (*Remote)(nil)

var defaultClient = &http.Client{Transport: &http.Transport{
	MaxIdleConnsPerHost: 64,
	IdleConnTimeout:     90 * time.Second,
}}

// Invoke implements Invoker.
func (r *Remote) Invoke(ctx context.Context, function string, payload []byte) (Result, error) {
	name, qualifier := function, ""
	if r.Name != "" {
		// The template's function under its name there; the qualifier the
		// call gave goes with it.
		name = r.Name
		if ref, err := funcref.Parse(function); err == nil {
			qualifier = ref.Qualifier
		}
	}
	if len(payload) > maxPayload {
		return Result{}, fmt.Errorf("%w: %s: %d bytes", ErrRequestTooLarge, name, len(payload))
	}
	u := strings.TrimRight(r.Endpoint, "/") + "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations"
	if qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(qualifier)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	if r.Signer != nil {
		if err := r.Signer.sign(ctx, req, payload); err != nil {
			return Result{}, fmt.Errorf("invoke %s: signing: %w", name, err)
		}
	}
	client := r.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return Result{}, ErrTimeout
		}
		return Result{}, fmt.Errorf("invoke %s at %s: %w", name, r.Endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ErrTimeout
		}
		return Result{}, fmt.Errorf("invoke %s: reading the response: %w", name, err)
	}
	if len(body) > maxResponse {
		return Result{}, fmt.Errorf("invoke %s: response is larger than 6 MB", name)
	}
	switch {
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		return Result{}, fmt.Errorf("invoke %s: %w (%s)", name, ErrRequestTooLarge, strings.TrimSpace(string(body)))
	case resp.StatusCode == http.StatusNotFound:
		return Result{}, fmt.Errorf("invoke %s: %w (%s)", name, ErrNotFound, strings.TrimSpace(string(body)))
	case resp.StatusCode != http.StatusOK:
		return Result{}, fmt.Errorf("invoke %s: the Invoke API answered %d: %s", name, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return Result{Payload: body, FunctionError: resp.Header.Get("X-Amz-Function-Error")}, nil
}
