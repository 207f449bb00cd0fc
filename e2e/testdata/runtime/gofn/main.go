// Command gofn is a Lambda function for the provided.al2023 runtime, built
// by the e2e tests as a bootstrap (go build -tags lambda.norpc -o
// DIR/bootstrap, CGO_ENABLED=0) and served by apigw as users serve theirs.
//
// As an API Gateway proxy function it answers 200 with a JSON body that
// echoes the event and reports what it sees of its environment:
//
//	{"lang":"go","pid":N,"event":{...},"env":{...},"context":{...}}
//
// The path parameter id "panic" makes it panic: aws-lambda-go reports the
// error and the process exits, so the next invocation needs a new instance.
package main

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// envNames are the variables reported under "env".
var envNames = []string{"GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_REGION", "LAMBDA_TASK_ROOT", "_HANDLER", "LAMBDA_RUNTIME_DIR"}

func handler(ctx context.Context, raw json.RawMessage) (events.APIGatewayProxyResponse, error) {
	var ev struct {
		PathParameters map[string]string `json:"pathParameters"`
	}
	_ = json.Unmarshal(raw, &ev)
	if ev.PathParameters["id"] == "panic" {
		panic("gofn: asked to panic")
	}
	env := map[string]*string{}
	for _, name := range envNames {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = &v
		} else {
			env[name] = nil
		}
	}
	remaining := int64(-1)
	if d, ok := ctx.Deadline(); ok {
		remaining = time.Until(d).Milliseconds()
	}
	requestID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	body, err := json.Marshal(map[string]any{
		"lang":  "go",
		"pid":   os.Getpid(),
		"event": raw,
		"env":   env,
		"context": map[string]any{
			"functionName":    lambdacontext.FunctionName,
			"memoryLimitInMB": strconv.Itoa(lambdacontext.MemoryLimitInMB),
			"remainingMs":     remaining,
			"awsRequestId":    requestID,
		},
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func main() { lambda.Start(handler) }
