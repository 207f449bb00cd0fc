// Command fn is the function of apigw's WebSocket benchmark
// (bench/websocket/run.sh): a provided.al2023 bootstrap built with
//
//	CGO_ENABLED=0 go build -tags lambda.norpc -o DIR/bootstrap ./bench/websocket/fn
//
// It takes the WebSocket MESSAGE event (aws-lambda-go's type) and answers
// with the connection's id, which the two-way route sends back, so each
// client learns the id that @connections posts address.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

func handler(_ context.Context, e events.APIGatewayWebsocketProxyRequest) (response, error) {
	return response{StatusCode: 200, Body: e.RequestContext.ConnectionID}, nil
}

func main() { lambda.Start(handler) }
