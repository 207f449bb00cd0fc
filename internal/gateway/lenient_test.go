package gateway

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"

	"github.com/apigw/apigw/internal/lambda"
	"github.com/valyala/fasthttp"
)

// countingInvoker answers every invocation with a 200 proxy response and
// counts them.
type countingInvoker struct{ calls atomic.Int64 }

func (i *countingInvoker) Invoke(ctx context.Context, function string, payload []byte) (lambda.Result, error) {
	i.calls.Add(1)
	return lambda.Result{Payload: []byte(`{"statusCode": 200, "body": "ok"}`)}, nil
}

// brokenTemplate has an AWS_PROXY method whose httpMethod is GET (API
// Gateway deploys it; Lambda is invoked with POST only) beside a working one.
const brokenTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: '2.0'
        info: {title: broken}
        paths:
          /broken:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: GET
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
          /ok:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): return {}"}
`

// TestBrokenIntegration: a method whose integration the model marks Broken
// answers API Gateway's 500 for an API configuration error without
// invoking the function; the API's other methods work.
func TestBrokenIntegration(t *testing.T) {
	inv := &countingInvoker{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	gen, err := Compile(benchModel(t, brokenTemplate, nil), Deps{Logger: logger, Invoker: inv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := NewEmpty(logger)
	g.Swap(gen)
	cases := []struct {
		path, body, errorType string
		status                int
		calls                 int64
	}{
		{"/prod/broken", `{"message": "Internal server error"}`, "InternalServerErrorException", 500, 0},
		{"/prod/ok", "ok", "", 200, 1},
	}
	for _, c := range cases {
		before := inv.calls.Load()
		var req fasthttp.Request
		req.SetRequestURI(c.path)
		req.Header.SetHost("127.0.0.1:8080")
		var ctx fasthttp.RequestCtx
		serveRequest(g, &ctx, &req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555})
		if got := ctx.Response.StatusCode(); got != c.status {
			t.Errorf("%s: status %d, want %d", c.path, got, c.status)
		}
		if got := string(ctx.Response.Body()); got != c.body {
			t.Errorf("%s: body %s, want %s", c.path, got, c.body)
		}
		if got := string(ctx.Response.Header.Peek("x-amzn-ErrorType")); got != c.errorType {
			t.Errorf("%s: x-amzn-ErrorType %q, want %q", c.path, got, c.errorType)
		}
		if got := inv.calls.Load() - before; got != c.calls {
			t.Errorf("%s: %d invocations, want %d", c.path, got, c.calls)
		}
	}
}
