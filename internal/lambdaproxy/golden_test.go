package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// eventCase is the request description in testdata/events/*.json.
type eventCase struct {
	HTTPMethod     string            `json:"httpMethod"`
	Path           string            `json:"path"`
	Resource       string            `json:"resource"`
	Headers        [][2]string       `json:"headers"` // ordered, repeatable
	RawQuery       string            `json:"rawQuery"`
	PathParameters [][2]string       `json:"pathParameters"`
	StageVariables map[string]string `json:"stageVariables"`
	Body           *string           `json:"body"`       // null: no body
	BodyBase64     string            `json:"bodyBase64"` // the body's bytes, for binary bodies
	Base64Body     bool              `json:"base64Body"`
	Context        RequestContext    `json:"context"` // field names match case-insensitively
}

func (c *eventCase) request(t *testing.T) *Request {
	r := &Request{
		HTTPMethod:     c.HTTPMethod,
		Path:           c.Path,
		Resource:       c.Resource,
		RawQuery:       c.RawQuery,
		StageVariables: c.StageVariables,
		Base64Body:     c.Base64Body,
		Context:        c.Context,
	}
	for _, h := range c.Headers {
		r.Headers = append(r.Headers, Header{h[0], h[1]})
	}
	for _, p := range c.PathParameters {
		r.PathParameters = append(r.PathParameters, KV{p[0], p[1]})
	}
	switch {
	case c.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(c.BodyBase64)
		if err != nil {
			t.Fatal(err)
		}
		r.Body, r.HasBody = b, true
	case c.Body != nil:
		r.Body, r.HasBody = []byte(*c.Body), true
	}
	return r
}

// TestGoldenEvents: testdata/events/NAME.json (a request description) gives
// exactly the event in NAME.golden (stored indented; compared compact, so
// key order and string escapes are checked byte for byte).
func TestGoldenEvents(t *testing.T) {
	files, err := filepath.Glob("testdata/events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no event cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c eventCase
			d := json.NewDecoder(bytes.NewReader(in))
			d.UseNumber()
			d.DisallowUnknownFields()
			if err := d.Decode(&c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out := AppendEvent(nil, c.request(t))
			if !json.Valid(out) {
				t.Fatalf("invalid JSON: %s", out)
			}
			// the oracle accepts it
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(out, &ev); err != nil {
				t.Fatalf("events.APIGatewayProxyRequest: %v", err)
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, out, "", "  "); err != nil {
				t.Fatal(err)
			}
			indented.WriteByte('\n')
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, indented.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, want); err != nil {
				t.Fatalf("%s: %v", golden, err)
			}
			if !bytes.Equal(out, compact.Bytes()) {
				t.Errorf("event differs from %s (run with -update to accept)\n got %s\nwant %s", golden, indented.Bytes(), want)
			}
		})
	}
}

// formatResponse renders a ParseResponse result for a golden file.
func formatResponse(resp *Response, err error) string {
	var b strings.Builder
	switch {
	case err == ErrBase64:
		fmt.Fprintf(&b, "error: 500 %v\n", err)
	case err != nil:
		fmt.Fprintf(&b, "error: 502 %v\n", err)
	default:
		fmt.Fprintf(&b, "status: %d\n", resp.StatusCode)
		for _, h := range resp.Headers {
			fmt.Fprintf(&b, "header: %s: %q\n", h.Name, h.Value)
		}
		fmt.Fprintf(&b, "body: %q\n", resp.Body)
	}
	return b.String()
}

// TestGoldenResponses: testdata/responses/NAME.in is a function's raw
// result; NAME.golden is what API Gateway makes of it. Names ending in
// "-binary" are read with decodeBase64 true (Accept matched
// binaryMediaTypes).
func TestGoldenResponses(t *testing.T) {
	files, err := filepath.Glob("testdata/responses/*.in")
	if err != nil || len(files) == 0 {
		t.Fatalf("no response cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".in")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := formatResponse(ParseResponse(in, strings.HasSuffix(name, "-binary")))
			golden := strings.TrimSuffix(file, ".in") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("response differs from %s (run with -update to accept)\n got:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestGoldenEventsDecodeLikeDescription cross-checks the golden inputs: the
// event decoded with aws-lambda-go carries what the description says.
func TestGoldenEventsDecodeLikeDescription(t *testing.T) {
	files, _ := filepath.Glob("testdata/events/*.json")
	for _, file := range files {
		in, _ := os.ReadFile(file)
		var c eventCase
		if err := json.Unmarshal(in, &c); err != nil {
			t.Fatal(err)
		}
		r := c.request(t)
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(AppendEvent(nil, r), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Path != sanitizeUTF8(r.Path) || ev.HTTPMethod != r.HTTPMethod || ev.Resource != r.Resource ||
			ev.RequestContext.Path != r.Context.Path || ev.RequestContext.Stage != r.Context.Stage ||
			ev.IsBase64Encoded != r.Base64Body {
			t.Errorf("%s: top-level fields differ", file)
		}
		if len(r.PathParameters) > 0 {
			want := map[string]string{}
			for _, p := range r.PathParameters {
				want[p.Key] = p.Value
			}
			if !reflect.DeepEqual(ev.PathParameters, want) {
				t.Errorf("%s: pathParameters %v, want %v", file, ev.PathParameters, want)
			}
		}
		if r.HasBody && !r.Base64Body && ev.Body != sanitizeUTF8(string(r.Body)) {
			t.Errorf("%s: body differs", file)
		}
		if r.Base64Body {
			if b, err := base64.StdEncoding.DecodeString(ev.Body); err != nil || !bytes.Equal(b, r.Body) {
				t.Errorf("%s: base64 body differs", file)
			}
		}
	}
}
