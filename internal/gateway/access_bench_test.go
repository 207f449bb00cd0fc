package gateway

import (
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/apigw/apigw/internal/limit"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/state"
	"github.com/valyala/fasthttp"
)

const accessBenchTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: bench}
  Open:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: open}
  Keyed:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: keyed}
  GetOpen:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Open
      HttpMethod: GET
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  GetKeyed:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Keyed
      HttpMethod: GET
      ApiKeyRequired: true
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetOpen, GetKeyed]
    Properties: {RestApiId: !Ref Api, StageName: prod}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Value: benchkeybenchkeybenchkey0123456789}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
      Throttle: {RateLimit: 1000000000, BurstLimit: 1000000000}
      Quota: {Limit: 1000000000000, Period: MONTH}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
`

// BenchmarkAccessControl: the same MOCK method without access control and
// with an API key, a usage plan's throttle and its quota, in one run: the
// ratio is what the access stages cost.
func BenchmarkAccessControl(b *testing.B) {
	m := benchModel(b, accessBenchTemplate, nil)
	store := state.Memory()
	defer store.Close()
	acc := &Access{Buckets: limit.NewBuckets(limit.System), Quotas: store, Clock: limit.System,
		KeyValue: func(k *model.APIKey) (string, error) { return k.Value, nil }}
	gen, err := Compile(m, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Access: acc}, nil)
	if err != nil {
		b.Fatal(err)
	}
	g := NewEmpty(slog.New(slog.NewTextHandler(io.Discard, nil)))
	g.Swap(gen)
	for _, c := range []struct{ name, path, key string }{
		{"open", "/prod/open", ""},
		{"api key, throttle, quota", "/prod/keyed", "benchkeybenchkeybenchkey0123456789"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var req fasthttp.Request
			req.SetRequestURI(c.path)
			req.Header.SetHost("127.0.0.1:8080")
			if c.key != "" {
				req.Header.Set("x-api-key", c.key)
			}
			addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			for b.Loop() {
				serveRequest(g, &ctx, &req, addr)
				if ctx.Response.StatusCode() != 200 {
					b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
				}
				ctx.Response.Reset()
			}
		})
	}
}
