package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// ---- FuzzAppendEvent ----

// fuzzHeaders turns "name:value\n..." into headers.
func fuzzHeaders(blob string) []Header {
	var hs []Header
	for _, line := range strings.Split(blob, "\n") {
		if line == "" {
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		hs = append(hs, Header{name, value})
	}
	return hs
}

func FuzzAppendEvent(f *testing.F) {
	f.Add("GET", "/test-path", "/{proxy+}", "urlparam=test&a=1&a=2&flag", "Host:h\naUThorization:x\nX-A:1\nx-a:2\nContent-Length:0",
		[]byte(nil), false, "proxy=test-path", "env", "dev", "user-1")
	f.Add("POST", "/a%2Fb", "/{x}", "email=test%2Balias@gmail.com&plus=test+alias@gmail.com&zhash=abort/#frag", "",
		[]byte("{\"a\":\"\x00\xff\"}"), false, "x=a%2Fb", "", "", "")
	f.Add("PUT", "/bin", "/bin", "%zz=%ff&=x&&", "Content-Type:image/png", []byte{0, 1, 2, 255}, true, "", "k\"", "v\\", "\u2028")
	f.Fuzz(func(t *testing.T, method, path, resource, rawQuery, headerBlob string, body []byte, b64 bool,
		pathParams, stageKey, stageValue, principal string) {
		r := baseRequest()
		r.HTTPMethod, r.Path, r.Resource, r.RawQuery = method, path, resource, rawQuery
		r.Headers = fuzzHeaders(headerBlob)
		r.Body, r.HasBody, r.Base64Body = body, body != nil, b64
		r.PathParameters = nil
		for _, p := range strings.Split(pathParams, "/") {
			if k, v, ok := strings.Cut(p, "="); ok {
				r.PathParameters = append(r.PathParameters, KV{k, v})
			}
		}
		if stageKey != "" {
			r.StageVariables = map[string]string{stageKey: stageValue}
		}
		if principal != "" {
			r.Context.Authorizer = map[string]any{"principalId": principal, "n": len(principal), principal: []any{principal, 1.5}}
		}
		r.Context.Identity.User = principal
		out := AppendEvent(nil, r)
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("invalid JSON: %q", out)
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(out, &ev); err != nil {
			t.Fatalf("events.APIGatewayProxyRequest: %v\n%s", err, out)
		}
		if ev.Path != sanitizeUTF8(path) || ev.HTTPMethod != sanitizeUTF8(method) || ev.Resource != sanitizeUTF8(resource) ||
			ev.RequestContext.Identity.User != sanitizeUTF8(principal) || ev.IsBase64Encoded != b64 {
			t.Fatalf("scalar fields differ: %s", out)
		}
		switch {
		case body == nil:
			if !bytes.Contains(out, []byte(`,"body":null,"isBase64Encoded":`)) {
				t.Fatalf("nil body is not null")
			}
		case b64:
			if dec, err := base64.StdEncoding.DecodeString(ev.Body); err != nil || !bytes.Equal(dec, body) {
				t.Fatalf("base64 body does not round-trip")
			}
		default:
			if ev.Body != sanitizeUTF8(string(body)) {
				t.Fatalf("body %q, want %q", ev.Body, body)
			}
		}
		checkFuzzHeaders(t, r.Headers, &ev)
		checkFuzzQuery(t, rawQuery, &ev)
	})
}

// checkFuzzHeaders compares the event's headers with a direct computation
// when every name is valid UTF-8 (otherwise two names may sanitize alike).
func checkFuzzHeaders(t *testing.T, hs []Header, ev *events.APIGatewayProxyRequest) {
	type group struct {
		name   string
		values []string
	}
	var gs []*group
	for _, h := range hs {
		for i := 0; i < len(h.Name); i++ {
			if h.Name[i] >= utf8.RuneSelf {
				return // names are folded ASCII-only; keep the oracle simple
			}
		}
		if isHopByHop(h.Name) {
			continue
		}
		var g *group
		for _, x := range gs {
			if strings.EqualFold(x.name, h.Name) {
				g = x
				break
			}
		}
		if g == nil {
			name := h.Name
			if strings.EqualFold(name, "authorization") {
				name = "Authorization"
			} else if strings.EqualFold(name, "user-agent") {
				name = "User-Agent"
			}
			g = &group{name: name}
			gs = append(gs, g)
		}
		g.values = append(g.values, sanitizeUTF8(h.Value))
	}
	if len(gs) == 0 {
		if ev.Headers != nil || ev.MultiValueHeaders != nil {
			t.Fatalf("no headers must be null")
		}
		return
	}
	if len(ev.Headers) != len(gs) || len(ev.MultiValueHeaders) != len(gs) {
		t.Fatalf("got %d/%d header names, want %d", len(ev.Headers), len(ev.MultiValueHeaders), len(gs))
	}
	for _, g := range gs {
		if ev.Headers[g.name] != g.values[len(g.values)-1] || !reflect.DeepEqual(ev.MultiValueHeaders[g.name], g.values) {
			t.Fatalf("header %q: got %q / %q, want %q", g.name, ev.Headers[g.name], ev.MultiValueHeaders[g.name], g.values)
		}
	}
}

// checkFuzzQuery compares with net/url.ParseQuery where their rules agree:
// only valid escapes, no ';', no invalid UTF-8.
func checkFuzzQuery(t *testing.T, raw string, ev *events.APIGatewayProxyRequest) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return
	}
	delete(vals, "")
	for k, vs := range vals {
		if !utf8.ValidString(k) {
			return
		}
		for i, v := range vs {
			vs[i] = sanitizeUTF8(v)
		}
	}
	if len(vals) == 0 {
		if ev.QueryStringParameters != nil || ev.MultiValueQueryStringParameters != nil {
			t.Fatalf("no parameters must be null")
		}
		return
	}
	if !reflect.DeepEqual(map[string][]string(vals), ev.MultiValueQueryStringParameters) {
		t.Fatalf("multiValueQueryStringParameters %q, want %q", ev.MultiValueQueryStringParameters, vals)
	}
	for k, vs := range vals {
		if ev.QueryStringParameters[k] != vs[len(vs)-1] {
			t.Fatalf("queryStringParameters[%q] = %q, want %q", k, ev.QueryStringParameters[k], vs[len(vs)-1])
		}
	}
}

// ---- FuzzParseResponse ----

func FuzzParseResponse(f *testing.F) {
	files, _ := filepath.Glob("testdata/responses/*.in")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, strings.HasSuffix(file, "-binary.in"))
	}
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		resp, err := ParseResponse(data, binary)
		want := referenceParse(data, binary)
		if (err == nil) != (want.fail == 0) && hasDuplicateKeys(data) {
			// ParseResponse checks every occurrence of a repeated key (as a
			// streaming reader does) while the map-based reference sees
			// only the last one; nothing to compare.
			return
		}
		switch {
		case err == ErrBase64:
			if want.fail != 500 {
				t.Fatalf("got ErrBase64, reference says %d (%s)", want.fail, want.why)
			}
			return
		case err != nil:
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			if want.fail != 502 {
				t.Fatalf("got %v, reference says %d", err, want.fail)
			}
			return
		}
		if want.fail != 0 {
			t.Fatalf("accepted %q, reference says %d (%s)", data, want.fail, want.why)
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if resp.StatusCode < 100 || resp.StatusCode > 599 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		hasCT := false
		for _, h := range resp.Headers {
			if checkHeader(h.Name, h.Value) != nil {
				t.Fatalf("invalid header %q", h)
			}
			hasCT = hasCT || strings.EqualFold(h.Name, "content-type")
		}
		if !hasCT {
			t.Fatalf("no Content-Type")
		}
		if want.skipHeaders {
			return
		}
		if resp.StatusCode != want.status || !bytes.Equal(resp.Body, want.body) {
			t.Fatalf("got %d %q, reference %d %q", resp.StatusCode, resp.Body, want.status, want.body)
		}
		got := make([]string, len(resp.Headers))
		for i, h := range resp.Headers {
			got[i] = h.Name + "\x00" + h.Value
		}
		slices.Sort(got)
		if !slices.Equal(got, want.headers) {
			t.Fatalf("headers\n got %q\nwant %q", got, want.headers)
		}
	})
}

type refResult struct {
	fail        int // 0, 500, 502
	why         string
	status      int
	body        []byte
	headers     []string // sorted "name\x00value"
	skipHeaders bool     // header names that fold together make the order-dependent parts incomparable
}

// referenceParse is a second, independent implementation of ParseResponse's
// rules on top of encoding/json, used as the fuzzing oracle.
func referenceParse(data []byte, binary bool) refResult {
	bad := func(why string) refResult { return refResult{fail: 502, why: why} }
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return bad("invalid JSON: " + err.Error())
	}
	if _, err := d.Token(); err == nil {
		return bad("trailing data")
	}
	if !json.Valid(data) {
		return bad("invalid JSON")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return bad("not an object")
	}
	res := refResult{status: 200, body: []byte{}}
	for k := range obj {
		switch k {
		case "statusCode", "body", "headers", "multiValueHeaders", "isBase64Encoded":
		default:
			return bad("unknown key")
		}
	}
	switch s := obj["statusCode"].(type) {
	case nil:
	case json.Number:
		if strings.ContainsAny(string(s), ".eE") {
			f, err := strconv.ParseFloat(string(s), 64)
			if err != nil || f != math.Trunc(f) || f < 100 || f > 599 {
				return bad("status")
			}
			res.status = int(f)
		} else {
			n, err := strconv.Atoi(string(s))
			if err != nil {
				return bad("status")
			}
			res.status = n
		}
	case string:
		t := strings.TrimSpace(s)
		n, err := strconv.Atoi(t)
		if err != nil || t == "" || len(t) > 9 || strings.Trim(t, "0123456789") != "" {
			return bad("status string")
		}
		res.status = n
	default:
		return bad("status type")
	}
	if res.status < 100 || res.status > 599 {
		return bad("status range")
	}
	switch b := obj["body"].(type) {
	case nil:
	case string:
		res.body = []byte(b)
	default:
		return bad("body type")
	}
	isB64 := false
	switch b := obj["isBase64Encoded"].(type) {
	case nil:
	case bool:
		isB64 = b
	default:
		return bad("isBase64Encoded type")
	}
	scalar := func(v any) (string, bool, bool) { // value, present, ok
		switch x := v.(type) {
		case nil:
			return "", false, true
		case string:
			return x, true, true
		case bool:
			return strconv.FormatBool(x), true, true
		case json.Number:
			return string(x), true, true
		}
		return "", false, false
	}
	type mv struct {
		name   string
		values []string
	}
	var multi []*mv
	switch m := obj["multiValueHeaders"].(type) {
	case nil:
	case map[string]any:
		for name, list := range m {
			switch l := list.(type) {
			case nil:
			case []any:
				e := &mv{name: name}
				for _, x := range l {
					s, present, ok := scalar(x)
					if !ok {
						return bad("multi element type")
					}
					if present {
						if checkHeader(name, s) != nil {
							return bad("multi header")
						}
						e.values = append(e.values, s)
					}
				}
				for _, o := range multi {
					if strings.EqualFold(o.name, name) {
						res.skipHeaders = true
					}
				}
				multi = append(multi, e)
			default:
				return bad("multi value not a list")
			}
		}
	default:
		return bad("multi type")
	}
	type single struct{ name, value string }
	var singles []single
	switch m := obj["headers"].(type) {
	case nil:
	case map[string]any:
		for name, val := range m {
			s, present, ok := scalar(val)
			if !ok {
				return bad("header type")
			}
			if !present {
				continue
			}
			if checkHeader(name, s) != nil {
				return bad("header")
			}
			for _, o := range singles {
				if strings.EqualFold(o.name, name) {
					res.skipHeaders = true
				}
			}
			singles = append(singles, single{name, s})
		}
	default:
		return bad("headers type")
	}
	if isB64 && binary {
		dec, err := base64.StdEncoding.DecodeString(string(res.body))
		if err != nil && !strings.Contains(string(res.body), "=") {
			dec, err = base64.RawStdEncoding.DecodeString(string(res.body))
		}
		if err != nil {
			return refResult{fail: 500, why: "base64"}
		}
		res.body = dec
	}
	var out []string
	add := func(n, v string) { out = append(out, n+"\x00"+v) }
	joined := map[*mv]string{}
	for _, s := range singles {
		var m *mv
		for _, x := range multi {
			if strings.EqualFold(x.name, s.name) {
				m = x
			}
		}
		switch {
		case m == nil:
			add(s.name, s.value)
		case slices.Contains(m.values, s.value):
		case strings.EqualFold(s.name, "set-cookie"):
			add(m.name, s.value)
		default:
			joined[m] = s.value
		}
	}
	for _, m := range multi {
		if solo, ok := joined[m]; ok {
			add(m.name, strings.Join(append(slices.Clone(m.values), solo), ", "))
			continue
		}
		for _, v := range m.values {
			add(m.name, v)
		}
	}
	hasCT := false
	for _, h := range out {
		name, _, _ := strings.Cut(h, "\x00")
		hasCT = hasCT || strings.EqualFold(name, "content-type")
	}
	if !hasCT {
		add("Content-Type", "application/json")
	}
	slices.Sort(out)
	res.headers = out
	return res
}

// hasDuplicateKeys reports whether any object in data repeats a key.
func hasDuplicateKeys(data []byte) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys  map[string]bool
		isObj bool
		atKey bool
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{', '[':
				if top != nil && top.isObj {
					top.atKey = true
				}
				stack = append(stack, &frame{keys: map[string]bool{}, isObj: tok == '{', atKey: true})
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.isObj && top.atKey {
				if top.keys[tok] {
					return true
				}
				top.keys[tok] = true
				top.atKey = false
				continue
			}
			if top != nil && top.isObj {
				top.atKey = true
			}
		default:
			if top != nil && top.isObj {
				top.atKey = true
			}
		}
	}
}

func TestHasDuplicateKeys(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":1,"b":2}`:                 false,
		`{"a":1,"a":2}`:                 true,
		`{"a":{"x":1},"b":{"x":1}}`:     false,
		`{"a":{"x":1,"x":2}}`:           true,
		`{"a":["a","a"],"b":"a"}`:       false,
		`{"a":[{"k":1},{"k":2}],"k":3}`: false,
		`{"a":[{"k":1,"k":2}]}`:         true,
		`{"a":"b","b":"a"}`:             false,
	} {
		if got := hasDuplicateKeys([]byte(in)); got != want {
			t.Errorf("%s: %v", in, got)
		}
	}
}
