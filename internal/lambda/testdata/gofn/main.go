// A Go Lambda function for the runtime's tests, built as a provided.al2023
// bootstrap with aws-lambda-go: it does what the event asks.
package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action  string `json:"action"`
	SleepMS int    `json:"sleepMs"`
	Size    int    `json:"size"`
	Env     string `json:"env"`
}

type reply struct {
	Action       string            `json:"action"`
	PID          int               `json:"pid"`
	RequestID    string            `json:"requestId"`
	FunctionName string            `json:"functionName"`
	Memory       int               `json:"memory"`
	RemainingMS  int64             `json:"remainingMs"`
	Env          map[string]string `json:"env,omitempty"`
	Data         string            `json:"data,omitempty"`
}

var calls int

func handle(ctx context.Context, e event) (reply, error) {
	calls++
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	r := reply{Action: e.Action, PID: os.Getpid(), FunctionName: lambdacontext.FunctionName, Memory: lambdacontext.MemoryLimitInMB,
		RemainingMS: time.Until(deadline).Milliseconds()}
	if lc != nil {
		r.RequestID = lc.AwsRequestID
	}
	switch e.Action {
	case "sleep":
		time.Sleep(time.Duration(e.SleepMS) * time.Millisecond)
	case "error":
		return r, errors.New("something went wrong")
	case "panic":
		panic("boom")
	case "exit":
		os.Exit(3)
	case "big":
		r.Data = strings.Repeat("x", e.Size)
	case "env":
		r.Env = map[string]string{}
		for _, k := range strings.Split(e.Env, ",") {
			r.Env[k] = os.Getenv(k)
		}
	case "print":
		os.Stdout.WriteString("hello from the function\n")
	case "calls":
		r.Data = strings.Repeat("i", calls)
	}
	return r, nil
}

func main() { lambda.Start(handle) }
