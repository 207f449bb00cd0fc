package gateway

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/cache"
	"github.com/valyala/fasthttp"
)

// cacheTemplate: GET /items/{id} (HTTP_PROXY, the id and the query string
// type as cache keys) and POST /items/{id}, on stage "cached" (stage-wide
// caching, TTL from the parameter) and stage "plain" (no cache), of one
// deployment.
const cacheTemplate = `Parameters:
  Backend: {Type: String}
  Ttl: {Type: Number, Default: 300}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: bench}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Item:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Items, PathPart: '{id}'}
  GetItem:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Item
      HttpMethod: GET
      RequestParameters: {method.request.path.id: true, method.request.querystring.type: false}
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: GET
        Uri: !Sub '${Backend}/items/{id}'
        RequestParameters: {integration.request.path.id: method.request.path.id}
        CacheKeyParameters: [method.request.path.id, method.request.querystring.type]
  PostItem:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Item
      HttpMethod: POST
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub '${Backend}/items/{id}'
        RequestParameters: {integration.request.path.id: method.request.path.id}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetItem, PostItem]
    Properties: {RestApiId: !Ref Api}
  Cached:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: cached
      CacheClusterEnabled: true
      MethodSettings: [{ResourcePath: '/*', HttpMethod: '*', CachingEnabled: true, CacheTtlInSeconds: !Ref Ttl}]
  Plain:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: plain}
`

// countingBackend answers a small JSON body after delay, counting calls.
func countingBackend(t testing.TB, delay time.Duration) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	body := []byte(`{"id":"abc","name":"item","price":12.5,"tags":["a","b"],"stock":3,"updated":"2026-11-29T00:00:00Z"}`)
	go fasthttp.Serve(ln, func(ctx *fasthttp.RequestCtx) {
		n.Add(1)
		time.Sleep(delay)
		ctx.SetContentType("application/json")
		ctx.Response.Header.Set("X-Backend", "yes")
		ctx.SetBody(body)
	})
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String(), &n
}

func cacheGateway(t testing.TB, backend, ttl string) (*Gateway, *cache.Stages) {
	t.Helper()
	caches := &cache.Stages{}
	t.Cleanup(caches.Close)
	gen, err := Compile(benchModel(t, cacheTemplate, map[string]string{"Backend": backend, "Ttl": ttl}),
		Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Caches: caches}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := NewEmpty(nil)
	g.Swap(gen)
	return g, caches
}

func cacheRequest(g *Gateway, method, uri string, headers ...string) *fasthttp.Response {
	c := compressCase{method: method, uri: uri, header: map[string]string{}}
	for i := 0; i+1 < len(headers); i += 2 {
		c.header[headers[i]] = headers[i+1]
	}
	return c.serve(g)
}

// TestCacheKeys: entries are split by method, path parameter and query
// parameter that are cache keys, not by other query parameters; POST is
// not cached under stage-wide settings; the plain stage never caches.
func TestCacheKeys(t *testing.T) {
	backend, calls := countingBackend(t, 0)
	g, _ := cacheGateway(t, backend, "300")
	steps := []struct {
		method, uri string
		backend     int64 // calls so far after the request
	}{
		{"GET", "/cached/items/a", 1},
		{"GET", "/cached/items/a", 1},
		{"GET", "/cached/items/a?other=1", 1}, // not a key
		{"GET", "/cached/items/b", 2},
		{"GET", "/cached/items/a?type=x", 3},
		{"GET", "/cached/items/a?type=x", 3},
		{"GET", "/cached/items/a?type=z&type=x", 3}, // the last value, as API Gateway takes
		{"POST", "/cached/items/a", 4},
		{"POST", "/cached/items/a", 5},
		{"GET", "/plain/items/a", 6},
		{"GET", "/plain/items/a", 7},
	}
	for _, s := range steps {
		resp := cacheRequest(g, s.method, s.uri)
		if resp.StatusCode() != 200 || string(resp.Header.Peek("X-Backend")) != "yes" || !strings.Contains(string(resp.Body()), `"id":"abc"`) {
			t.Fatalf("%s %s: %d %q %s", s.method, s.uri, resp.StatusCode(), resp.Header.Peek("X-Backend"), resp.Body())
		}
		if got := calls.Load(); got != s.backend {
			t.Fatalf("%s %s: backend called %d times, want %d", s.method, s.uri, got, s.backend)
		}
	}
}

// TestCacheTTLZero: CacheTtlInSeconds 0 turns caching off.
func TestCacheTTLZero(t *testing.T) {
	backend, calls := countingBackend(t, 0)
	g, _ := cacheGateway(t, backend, "0")
	cacheRequest(g, "GET", "/cached/items/a")
	cacheRequest(g, "GET", "/cached/items/a")
	if calls.Load() != 2 {
		t.Fatalf("backend called %d times with TTL 0, want 2", calls.Load())
	}
}

// TestCacheSingleFlight: concurrent misses for one key reach the backend
// once; every caller gets the answer.
func TestCacheSingleFlight(t *testing.T) {
	backend, calls := countingBackend(t, 200*time.Millisecond)
	g, caches := cacheGateway(t, backend, "300")
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := cacheRequest(g, "GET", "/cached/items/same"); r.StatusCode() == 200 && len(r.Body()) > 0 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 || ok.Load() != 16 {
		t.Fatalf("backend called %d times, %d of 16 answered", calls.Load(), ok.Load())
	}
	st := caches.All()[0]
	if st.Misses.Load() != 16 || st.Hits.Load() != 0 {
		t.Fatalf("hits %d misses %d", st.Hits.Load(), st.Misses.Load())
	}
}

// TestCacheRevalidation: Cache-Control: max-age=0 refetches when anyone
// may invalidate; otherwise the strategy decides.
func TestCacheRevalidation(t *testing.T) {
	tests := []struct {
		name    string
		control CacheControl
		status  int
		calls   int64
		warning bool
	}{
		{"anyone may invalidate", CacheControl{AnyoneMayInvalidate: true}, 200, 2, false},
		{"default: served from the cache with a warning", CacheControl{}, 200, 1, true},
		{"fail with 403", CacheControl{Strategy: CacheControlFail}, 403, 1, false},
		{"succeed quietly", CacheControl{Strategy: CacheControlSucceedQuietly}, 200, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend, calls := countingBackend(t, 0)
			caches := &cache.Stages{}
			defer caches.Close()
			gen, err := Compile(benchModel(t, cacheTemplate, map[string]string{"Backend": backend}),
				Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Caches: caches, CacheControl: tt.control}, nil)
			if err != nil {
				t.Fatal(err)
			}
			g := NewEmpty(nil)
			g.Swap(gen)
			cacheRequest(g, "GET", "/cached/items/a")
			r := cacheRequest(g, "GET", "/cached/items/a", "Cache-Control", "no-cache, max-age=0")
			if r.StatusCode() != tt.status || calls.Load() != tt.calls || (len(r.Header.Peek("Warning")) > 0) != tt.warning {
				t.Fatalf("status %d, backend calls %d, Warning %q", r.StatusCode(), calls.Load(), r.Header.Peek("Warning"))
			}
			if tt.status == 403 && !strings.Contains(string(r.Body()), "execute-api:InvalidateCache on resource: arn:aws:execute-api:") {
				t.Fatalf("403 body %s", r.Body())
			}
		})
	}
}

func TestWantsRevalidation(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, "max-age=0": true, "MAX-AGE=0": true, "no-cache, max-age=0": true, " max-age=0 ,x": true,
		"max-age=00": false, "max-age=10": false, "no-cache": false, "smax-age=0": false,
	} {
		if got := wantsRevalidation([]byte(in)); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

// BenchmarkCacheHit is a cached GET answered from the stage cache; the
// figure to compare is BenchmarkCacheUncached, the same route on a stage
// without a cache, in the same run.
func BenchmarkCacheHit(b *testing.B) {
	backend, _ := countingBackend(b, 0)
	g, _ := cacheGateway(b, backend, "3600")
	benchServe(b, g, "/cached/items/abc?type=t", 200)
}

// BenchmarkCacheUncached is BenchmarkCacheHit's baseline.
func BenchmarkCacheUncached(b *testing.B) {
	backend, _ := countingBackend(b, 0)
	g, _ := cacheGateway(b, backend, "3600")
	benchServe(b, g, "/plain/items/abc?type=t", 200)
}
