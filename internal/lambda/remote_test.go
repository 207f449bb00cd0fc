package lambda

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRemoteInvoke(t *testing.T) {
	var mu sync.Mutex
	var gotPath, gotAuth, gotBody string
	got := func() (string, string, string) { mu.Lock(); defer mu.Unlock(); return gotPath, gotAuth, gotBody }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotPath, gotAuth, gotBody = r.URL.EscapedPath(), r.Header.Get("Authorization"), string(b)
		mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "/missing/"):
			w.WriteHeader(404)
			io.WriteString(w, `{"Type":"User","message":"Function not found"}`)
		case strings.Contains(r.URL.Path, "/failing/"):
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			io.WriteString(w, `{"errorMessage":"x","errorType":"E"}`)
		case strings.Contains(r.URL.Path, "/slow/"):
			time.Sleep(300 * time.Millisecond)
		case strings.Contains(r.URL.Path, "/picky/"):
			w.WriteHeader(413)
			io.WriteString(w, `{"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`)
		default:
			io.WriteString(w, `{"statusCode":200}`)
		}
	}))
	defer srv.Close()

	r := &Remote{Endpoint: srv.URL + "/"}
	res, err := r.Invoke(context.Background(), "my fn", []byte(`{"a":1}`))
	if err != nil || string(res.Payload) != `{"statusCode":200}` || res.FunctionError != "" {
		t.Fatalf("%+v %v", res, err)
	}
	if p, a, b := got(); p != "/2015-03-31/functions/my%20fn/invocations" || b != `{"a":1}` || a != "" {
		t.Errorf("path %q body %q auth %q", p, b, a)
	}
	if res, _ := r.Invoke(context.Background(), "failing", nil); res.FunctionError != "Unhandled" {
		t.Errorf("function error not reported: %+v", res)
	}
	if _, err := r.Invoke(context.Background(), "missing", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: %v", err)
	}
	// Lambda's 6 MB limit: refused before sending, and when the endpoint says 413.
	if _, err := r.Invoke(context.Background(), "any", make([]byte, maxPayload+1)); !errors.Is(err, ErrRequestTooLarge) {
		t.Errorf("7 MB payload: %v", err)
	}
	if _, err := r.Invoke(context.Background(), "picky", []byte(`{}`)); !errors.Is(err, ErrRequestTooLarge) {
		t.Errorf("413: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.Invoke(ctx, "slow", nil); !errors.Is(err, ErrTimeout) {
		t.Errorf("slow: %v", err)
	}
	if _, err := (&Remote{Endpoint: "http://127.0.0.1:1"}).Invoke(context.Background(), "x", nil); err == nil || errors.Is(err, ErrTimeout) {
		t.Errorf("closed port: %v", err)
	}

	// With credentials in the environment, calls are SigV4-signed for lambda.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	signer := NewSigner(context.Background(), "eu-west-1")
	if signer == nil {
		t.Fatal("no signer with credentials in the environment")
	}
	r.Signer = signer
	if _, err := r.Invoke(context.Background(), "fn", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, a, _ := got(); !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(a, "/eu-west-1/lambda/aws4_request") {
		t.Errorf("Authorization %q", a)
	}
	if got := signer.regionOf("lambda.ap-south-1.amazonaws.com"); got != "ap-south-1" {
		t.Errorf("region %s", got)
	}
}

func TestFunctionsRemote(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `"ok"`) }))
	defer srv.Close()
	rem := &Remote{Endpoint: srv.URL}
	r := NewFunctions(map[string]Invoker{"fn": rem, "FnLogical": rem})
	for _, name := range []string{"fn", "FnLogical", "arn:aws:lambda:us-east-1:123456789012:function:fn", "arn:aws:lambda:us-east-1:123456789012:function:fn:live"} {
		if res, err := r.Invoke(context.Background(), name, nil); err != nil || string(res.Payload) != `"ok"` {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := r.Invoke(context.Background(), "other", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
}
