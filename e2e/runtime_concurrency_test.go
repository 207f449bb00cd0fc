package e2e

// Warm pools and reserved concurrency, without timing assertions: which
// process answered tells how many instances ran.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// rtThrottledBody is Lambda's 429 for a function at its reserved concurrency
// (Lambda API reference, TooManyRequestsException: Reason, Type, message).
const rtThrottledBody = `{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`

func rtConcurrencyCases(t *testing.T, in *Instance) {
	t.Run("pool grows on demand, then stays warm", func(t *testing.T) {
		t.Parallel()
		const n = 4
		round := func() []int {
			t.Helper()
			var pids []int
			for _, r := range rtParallel(t, n, req{URL: in.URL("/test/pid")}) {
				pids = append(pids, rtPid(t, r))
			}
			sort.Ints(pids)
			return pids
		}
		distinct := func(pids []int) bool {
			for i := 1; i < len(pids); i++ {
				if pids[i] == pids[i-1] {
					return false
				}
			}
			return true
		}
		first := round()
		if !distinct(first) {
			t.Fatalf("%d parallel requests to a function that sleeps 1 s ran in processes %v, want %d distinct ones", n, first, n)
		}
		second := round()
		if !distinct(second) {
			t.Errorf("second round ran in processes %v, want %d distinct ones", second, n)
		}
		for _, p := range second {
			if !slices.Contains(first, p) {
				t.Errorf("second round ran in processes %v, want the warm ones of the first round %v", second, first)
				break
			}
		}
	})

	t.Run("ReservedConcurrentExecutions 1", func(t *testing.T) {
		t.Parallel()
		t.Run("Invoke API over HTTP", func(t *testing.T) {
			rs := rtParallel(t, 2, req{Method: http.MethodPost, URL: in.URL("/2015-03-31/functions/rt-reserved/invocations"), Body: `{}`})
			if rs[0].Status == http.StatusTooManyRequests {
				rs[0], rs[1] = rs[1], rs[0]
			}
			ok, throttled := rs[0], rs[1]
			if ok.Status != 200 || rtPid(t, ok) == 0 {
				t.Errorf("one call: got %d, want 200 {\"pid\": N}\n%s", ok.Status, ok)
			}
			if throttled.Status != http.StatusTooManyRequests {
				t.Fatalf("the other call: got %d, want 429\n%s", throttled.Status, throttled)
			}
			assertHeader(t, throttled.Header, "x-amzn-ErrorType", "TooManyRequestsException")
			if !rtJSONEqual(throttled.Body, []byte(rtThrottledBody)) {
				t.Errorf("429 body %s, want %s", throttled.Body, rtThrottledBody)
			}
		})
		t.Run("AWS SDK", func(t *testing.T) {
			// No retries: the SDK retries throttling errors by default.
			c := rtLambdaClient(in, func(o *awslambda.Options) { o.Retryer = aws.NopRetryer{} })
			var wg sync.WaitGroup
			outs := make([]*awslambda.InvokeOutput, 2)
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[i], errs[i] = c.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("rt-reserved"), Payload: []byte(`{}`)})
				}()
			}
			wg.Wait()
			if errs[0] != nil {
				outs[0], outs[1], errs[0], errs[1] = outs[1], outs[0], errs[1], errs[0]
			}
			if errs[0] != nil || outs[0].StatusCode != 200 {
				t.Errorf("one call: %v, want StatusCode 200", errs[0])
			} else {
				var v struct{ Pid int }
				if json.Unmarshal(outs[0].Payload, &v) != nil || v.Pid == 0 {
					t.Errorf("payload %s, want {\"pid\": N}", outs[0].Payload)
				}
			}
			var tm *types.TooManyRequestsException
			if !errors.As(errs[1], &tm) {
				t.Fatalf("the other call: %v, want *types.TooManyRequestsException", errs[1])
			}
			if tm.ErrorMessage() != "Rate Exceeded." || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
				t.Errorf("TooManyRequestsException message %q reason %q, want %q and %q", tm.ErrorMessage(), tm.Reason,
					"Rate Exceeded.", types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded)
			}
		})
		t.Run("free again afterwards", func(t *testing.T) {
			r := rtInvoke(t, in, "rt-reserved", `{}`, nil)
			if r.Status != 200 || rtPid(t, r) == 0 {
				t.Errorf("got %d, want 200\n%s", r.Status, r)
			}
		})
		t.Run("an Event invocation waits for capacity", func(t *testing.T) {
			// Lambda queues asynchronous events and retries throttled ones
			// (LDG:invocation-async): it is 202, and the function runs once
			// the synchronous call in progress has finished.
			dir := t.TempDir()
			started, ran := filepath.Join(dir, "started"), filepath.Join(dir, "ran")
			done := make(chan *response, 1)
			go func() {
				r, _ := send(req{Method: http.MethodPost, URL: in.URL("/2015-03-31/functions/rt-reserved/invocations"),
					Body: `{"started":"` + started + `"}`})
				done <- r
			}()
			rtWaitFile(t, started, 15*time.Second)
			r := rtInvoke(t, in, "rt-reserved", `{"touch":"`+ran+`"}`, map[string]string{"X-Amz-Invocation-Type": "Event"})
			if r.Status != http.StatusAccepted {
				t.Errorf("Event invocation: got %d, want 202\n%s", r.Status, r)
			}
			if r := <-done; r == nil || r.Status != 200 {
				t.Errorf("the synchronous call: got %v, want 200", r)
			}
			if id := rtWaitFile(t, ran, 10*time.Second); !uuidRE.MatchString(id) {
				t.Errorf("the queued event ran with request id %q, want a UUID", id)
			}
		})
	})
}
