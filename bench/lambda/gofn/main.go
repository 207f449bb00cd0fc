// Command gofn is the Go function of apigw's Lambda runtime benchmark
// (bench/lambda/run.sh): a provided.al2023 bootstrap built with
//
//	CGO_ENABLED=0 go build -tags lambda.norpc -o DIR/bootstrap ./bench/lambda/gofn
//
// It does what the python and nodejs handlers of bench/lambda/template.yaml
// do, as a real function would: it takes the API Gateway proxy event
// (decoded into aws-lambda-go's events type) and answers
//
//	{"statusCode":200,"body":"{\"ok\":true}"}
//
// so the benchmark measures the runtime path, not the function.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// response is the proxy response with only the fields the other handlers
// return (events.APIGatewayProxyResponse would add "headers":null and more).
type response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

func handler(_ context.Context, _ events.APIGatewayProxyRequest) (response, error) {
	return response{StatusCode: 200, Body: `{"ok":true}`}, nil
}

func main() { lambda.Start(handler) }
