package e2e

// CORS the way users meet it: a headless Chromium loads a page from one
// loopback origin whose fetch() calls apigw on another port, and the test
// reads what the page's script saw. The browser, not the test, decides what
// is allowed. scripts/test.sh installs Debian's chromium package.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browserPage is what the page origin serves: its script fetches the URL
// named by ?url= with the headers of ?headers= (a JSON object) and puts the
// outcome in window.outcome and in #out: the status and body it could read,
// or the name and message of the error fetch rejected with.
const browserPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>apigw CORS</title></head>
<body><pre id="out">pending</pre>
<script>
const params = new URLSearchParams(location.search);
const headers = JSON.parse(params.get("headers") || "{}");
window.outcome = null;
fetch(params.get("url"), {headers: headers})
  .then(async r => ({status: r.status, body: await r.text(), error: ""}),
        e => ({status: 0, body: "", error: e.name + ": " + e.message}))
  .then(o => {
    window.outcome = o;
    document.getElementById("out").textContent = JSON.stringify(o);
  });
</script>
</body></html>
`

// fetchOutcome is the page's window.outcome.
type fetchOutcome struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

func (o fetchOutcome) String() string {
	b, _ := json.Marshal(o)
	return string(b)
}

// browserRequest is one request the browser made, as DevTools reported it.
type browserRequest struct {
	URL, Method string
	Type        network.ResourceType // Preflight for a CORS preflight
	CorsError   network.CorsError    // why the browser blocked it, if it did
}

// browser is a headless Chromium with one tab, and what that tab logged.
type browser struct {
	ctx context.Context // the tab

	mu       sync.Mutex
	byID     map[network.RequestID]int // index in reqs
	reqs     []browserRequest
	messages []string // console and network log entries
}

// chromiumNames are the names Chromium and Chrome are installed under.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// startBrowser starts a headless Chromium that runs as root in a container,
// stopped when the test ends. A missing browser fails the test.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	var execPath string
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			execPath = p
			break
		}
	}
	if execPath == "" {
		t.Fatalf("no Chromium found (looked for %s): scripts/test.sh installs Debian's chromium package (apt-get install chromium)", strings.Join(chromiumNames, ", "))
	}
	// Everything the browser does in this test must end within 2 minutes:
	// a hung browser fails the test instead of hanging CI.
	deadline, cancelDeadline := context.WithTimeout(context.Background(), 2*time.Minute)
	output := &syncBuffer{} // the browser's stdout and stderr
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox, // root in a container has no user namespace sandbox
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	b := &browser{byID: map[network.RequestID]int{}}
	var cancelTab context.CancelFunc
	// chromedp's own messages go to the browser log, not to t.Logf: they
	// may come from its goroutines while the test ends.
	b.ctx, cancelTab = chromedp.NewContext(allocCtx, chromedp.WithLogf(b.logf), chromedp.WithErrorf(b.logf))
	t.Cleanup(func() {
		cancelTab() // closes the tab, then the browser, and waits for it
		cancelAlloc()
		cancelDeadline()
	})
	// The first action starts the browser.
	if err := chromedp.Do(b.ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", execPath, err, clip(output.String(), 4000))
	}
	if err := chromedp.Listen(b.ctx, b.event); err != nil {
		t.Fatalf("listening to %s: %v", execPath, err)
	}
	version, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		t.Fatalf("%s: %v\n%s", execPath, err, clip(output.String(), 4000))
	}
	t.Logf("browser: %s (%s)", execPath, version)
	return b
}

// event runs in chromedp's read loop: it only records.
func (b *browser) event(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.byID[ev.RequestID] = len(b.reqs)
		b.reqs = append(b.reqs, browserRequest{URL: ev.Request.URL, Method: ev.Request.Method, Type: ev.Type})
	case *network.EventLoadingFailed:
		if i, ok := b.byID[ev.RequestID]; ok && ev.CorsErrorStatus != nil {
			b.reqs[i].CorsError = ev.CorsErrorStatus.CorsError
		}
		b.messages = append(b.messages, fmt.Sprintf("loading failed: %s %s", ev.ErrorText, ev.BlockedReason))
	case *log.EventEntryAdded:
		b.messages = append(b.messages, fmt.Sprintf("%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
	}
}

// logf adds one of chromedp's messages to the browser log.
func (b *browser) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.messages = append(b.messages, "chromedp: "+fmt.Sprintf(format, args...))
}

// requests is what the browser asked for url so far.
func (b *browser) requests(url string) []browserRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []browserRequest
	for _, r := range b.reqs {
		if r.URL == url {
			out = append(out, r)
		}
	}
	return out
}

// corsError waits up to 5 s for DevTools to tell why the browser blocked
// url (the event can arrive after the page saw the rejection); "" when it
// did not.
func (b *browser) corsError(url string) network.CorsError {
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		for _, r := range b.requests(url) {
			if r.CorsError != "" {
				return r.CorsError
			}
		}
		if time.Now().After(end) {
			return ""
		}
	}
}

func (b *browser) log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.messages, "\n")
}

// fetch opens the page at pageURL, which fetches apiURL with headers, and
// returns what the page's script saw. It fails the test after 20 s.
func (b *browser) fetch(t *testing.T, pageURL, apiURL string, headers map[string]string) fetchOutcome {
	t.Helper()
	if headers == nil {
		headers = map[string]string{}
	}
	h, _ := json.Marshal(headers)
	page := pageURL + "/?" + url.Values{"url": {apiURL}, "headers": {string(h)}}.Encode()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatalf("open %s: %v\nbrowser log:\n%s", page, err, b.log())
	}
	o, err := chromedp.Run(ctx, chromedp.Poll[fetchOutcome](`window.outcome`,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("the page's fetch(%s) gave no outcome: %v\nbrowser log:\n%s", apiURL, err, b.log())
	}
	// The DOM says the same as the variable.
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("out").textContent`))
	if err != nil {
		t.Fatalf("reading #out: %v", err)
	}
	var shown fetchOutcome
	if err := json.Unmarshal([]byte(text), &shown); err != nil || shown != o {
		t.Errorf("#out = %q, window.outcome = %s", text, o)
	}
	return o
}

// TestBrowserCORS serves e2e/testdata/browser-cors.yaml to a page of
// another origin in Chromium:
//   - allowed: the preflight for X-Custom passes, the GET answers 200 and
//     the page reads the body (and the header reached the function);
//   - refused: the API allows another origin, fetch rejects with a
//     TypeError although apigw did answer;
//   - a Lambda authorizer's 401 (and a Missing Authentication Token 403):
//     readable by the page when a DEFAULT_4XX gateway response adds
//     Access-Control-Allow-Origin, hidden by the browser (TypeError)
//     without it, the gap SAM CLI leaves.
func TestBrowserCORS(t *testing.T) {
	rtRequireInterpreters(t)
	br := startBrowser(t)
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
		case "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
			return
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(browserPage))
	}))
	t.Cleanup(pages.Close)
	origin := pages.URL // http://127.0.0.1:PORT: the page's origin
	template := testdata("browser-cors.yaml")
	withCORS := startAPIGW(t, template, "--param", "AllowedOrigin="+origin)
	withoutCORS := startAPIGW(t, template, "--param", "AllowedOrigin="+origin, "--param", "CorsOnErrors=no")
	if withCORS.BaseURL == origin || withoutCORS.BaseURL == origin {
		t.Fatalf("the page and the API share the origin %s", origin)
	}
	const typeError = "TypeError: Failed to fetch"
	custom := map[string]string{"X-Custom": "hello"}

	// preflighted checks that the browser sent a preflight for url.
	preflighted := func(t *testing.T, url string) {
		t.Helper()
		for _, r := range br.requests(url) {
			if r.Method == http.MethodOptions || r.Type == network.ResourceTypePreflight {
				return
			}
		}
		t.Errorf("DevTools reported no preflight for %s: %+v", url, br.requests(url))
	}
	// blocked checks that the browser says CORS blocked url, and why.
	blocked := func(t *testing.T, url string, want network.CorsError) {
		t.Helper()
		if got := br.corsError(url); got != want {
			t.Errorf("the browser's CORS error for %s = %q, want %q\nrequests: %+v\nbrowser log:\n%s", url, got, want, br.requests(url), br.log())
		}
	}

	t.Run("allowed", func(t *testing.T) {
		api := withCORS.URL("/prod/items?case=allowed")
		o := br.fetch(t, origin, api, custom)
		if want := (fetchOutcome{Status: 200, Body: `{"items": ["a", "b"], "custom": "hello"}`}); o != want {
			t.Fatalf("the page saw %s, want %s\nbrowser log:\n%s", o, want, br.log())
		}
		preflighted(t, api)
		for _, r := range br.requests(api) {
			if r.CorsError != "" {
				t.Errorf("the browser reported a CORS error for %s %s (%s): %s", r.Method, r.URL, r.Type, r.CorsError)
			}
		}
	})

	t.Run("refused by the browser", func(t *testing.T) {
		api := withCORS.URL("/prod/elsewhere?case=refused")
		o := br.fetch(t, origin, api, custom)
		if o.Status != 0 || o.Error != typeError {
			t.Fatalf("the page saw %s, want the rejection %q", o, typeError)
		}
		blocked(t, api, network.CorsErrorPreflightAllowOriginMismatch)
		// apigw answered both requests: the refusal is the browser's.
		r := do(t, req{Method: "OPTIONS", URL: api, Header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-custom",
		}})
		assertStatusBody(t, r, 200, "")
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "https://elsewhere.example")
		r = do(t, req{URL: api, Header: map[string]string{"Origin": origin, "X-Custom": "hello"}})
		assertStatusBody(t, r, 200, `{"secret": "for elsewhere only"}`)
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "https://elsewhere.example")
	})

	t.Run("authorizer 401 with a CORS gateway response", func(t *testing.T) {
		api := withCORS.URL("/prod/private?case=401-cors")
		o := br.fetch(t, origin, api, map[string]string{"X-Custom": "hello", "Authorization": "Bearer nobody"})
		if want := (fetchOutcome{Status: 401, Body: unauthorizedBody}); o != want {
			t.Fatalf("the page saw %s, want %s\nbrowser log:\n%s", o, want, br.log())
		}
		preflighted(t, api)
		r := do(t, req{URL: api, Header: map[string]string{"Origin": origin, "Authorization": "Bearer nobody"}})
		assertGatewayError(t, r, 401, unauthorizedBody, "UnauthorizedException")
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", origin)
	})

	t.Run("authorizer 401 without a CORS gateway response", func(t *testing.T) {
		api := withoutCORS.URL("/prod/private?case=401-plain")
		o := br.fetch(t, origin, api, map[string]string{"X-Custom": "hello", "Authorization": "Bearer nobody"})
		if o.Status != 0 || o.Error != typeError {
			t.Fatalf("the page saw %s, want the rejection %q", o, typeError)
		}
		preflighted(t, api)
		blocked(t, api, network.CorsErrorMissingAllowOriginHeader)
		// apigw answered the 401, without the header.
		r := do(t, req{URL: api, Header: map[string]string{"Origin": origin, "Authorization": "Bearer nobody"}})
		assertGatewayError(t, r, 401, unauthorizedBody, "UnauthorizedException")
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "")
	})

	// A simple GET (no custom header: no preflight) of a path the API does
	// not have: 403 Missing Authentication Token, a DEFAULT_4XX answer too.
	t.Run("missing authentication token with a CORS gateway response", func(t *testing.T) {
		api := withCORS.URL("/prod/nothing?case=403-cors")
		o := br.fetch(t, origin, api, nil)
		if want := (fetchOutcome{Status: 403, Body: missingTokenBody}); o != want {
			t.Fatalf("the page saw %s, want %s\nbrowser log:\n%s", o, want, br.log())
		}
	})

	t.Run("missing authentication token without a CORS gateway response", func(t *testing.T) {
		api := withoutCORS.URL("/prod/nothing?case=403-plain")
		o := br.fetch(t, origin, api, nil)
		if o.Status != 0 || o.Error != typeError {
			t.Fatalf("the page saw %s, want the rejection %q", o, typeError)
		}
		blocked(t, api, network.CorsErrorMissingAllowOriginHeader)
		assertMissingToken(t, do(t, req{URL: api, Header: map[string]string{"Origin": origin}}))
	})

	if t.Failed() {
		t.Logf("browser log:\n%s", br.log())
	}
}
