package e2e

// Issue 16's "done when" with the real AWS SDK for Python: a chat room
// (testdata/websocket-chatroom.yaml) whose $connect stores connection ids
// and whose send functions broadcast through @connections, one in node
// with the http module and one in python with boto3's
// apigatewaymanagementapi client; and boto3's apigatewaymanagementapi
// client driving @connections from outside (post, get, delete, GoneException,
// SigV4 with --iam-credentials), as users point it at apigw with
// endpoint_url. The Go SDK's apigatewaymanagementapi module is not on the
// module proxy this project builds with; boto3 is the SDK used here
// (scripts/test.sh installs python3-boto3 when it is missing).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// chatStart serves testdata/websocket-chatroom.yaml with a fresh room
// folder, which it returns.
func chatStart(t *testing.T, args ...string) (*Instance, string) {
	t.Helper()
	rtRequireInterpreters(t)
	room := t.TempDir()
	in := startAPIGW(t, testdata("websocket-chatroom.yaml"), append([]string{"--param", "RoomDir=" + room}, args...)...)
	return in, room
}

// chatRoom lists the connection ids stored in the room folder, sorted.
func chatRoom(t *testing.T, room string) []string {
	t.Helper()
	entries, err := os.ReadDir(room)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		id, err := url.PathUnescape(e.Name())
		if err != nil {
			t.Fatalf("room file %q: %v", e.Name(), err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// chatJoin connects a client to the chat stage and returns it with its
// connection id: the one id $connect added to the room (the handshake
// completes only after $connect has answered).
func chatJoin(t *testing.T, in *Instance, room string, header http.Header) (*websocket.Conn, string) {
	t.Helper()
	before := chatRoom(t, room)
	c, _ := wsDial(t, in, "/chat", header)
	var added []string
	for _, id := range chatRoom(t, room) {
		if !slices.Contains(before, id) {
			added = append(added, id)
		}
	}
	if len(added) != 1 || !wsIDRE.MatchString(added[0]) {
		t.Fatalf("after the handshake $connect added %q to the room, want one connection id", added)
	}
	return c, added[0]
}

// chatAwaitRoom waits until the room holds exactly ids.
func chatAwaitRoom(t *testing.T, room string, ids ...string) {
	t.Helper()
	want := slices.Clone(ids)
	slices.Sort(want)
	deadline := time.Now().Add(wsWait)
	for {
		got := chatRoom(t, room)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the room holds %q after %s, want %q", got, wsWait, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// chatStale puts the file of a connection that never existed in the room,
// as one whose $disconnect never ran would leave.
func chatStale(t *testing.T, room, id string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(room, url.PathEscape(id)), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// chatExpect reads the next message of every client: it must be want.
func chatExpect(t *testing.T, what, want string, clients map[string]*websocket.Conn) {
	t.Helper()
	names := make([]string, 0, len(clients))
	for name := range clients {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if got := wsRead(t, clients[name]); got != want {
			hint := ""
			if strings.Contains(got, "Internal server error") {
				hint = " (the function failed: see apigw's log; sendpy needs boto3 in the functions' python, which scripts/test.sh installs as python3-boto3)"
			}
			t.Fatalf("%s: client %s got %q, want %q%s", what, name, got, want, hint)
		}
	}
}

func TestWebSocketChatRoom(t *testing.T) {
	boto3Python(t) // sendpy's function imports boto3
	in, room := chatStart(t)

	a, idA := chatJoin(t, in, room, nil)
	b, idB := chatJoin(t, in, room, nil)
	c, idC := chatJoin(t, in, room, nil)
	chatAwaitRoom(t, room, idA, idB, idC)
	all := map[string]*websocket.Conn{"a": a, "b": b, "c": c}

	// A connection that is gone: the broadcasts get 410 GoneException for
	// it and remove it from the room.
	const stale1, stale2 = "R29uZUdvbmVHb25l/+=", "U3RhbGVTdGFsZVN0+/="

	t.Run("nodejs broadcast with the http module", func(t *testing.T) {
		chatStale(t, room, stale1)
		wsSend(t, a, `{"action":"sendmessage","data":"hello"}`)
		chatExpect(t, "sendmessage", "hello", all)
		chatAwaitRoom(t, room, idA, idB, idC)
	})

	t.Run("python broadcast with boto3", func(t *testing.T) {
		chatStale(t, room, stale2)
		wsSend(t, b, `{"action":"sendpy","data":"hi"}`)
		chatExpect(t, "sendpy", "hi", all)
		chatAwaitRoom(t, room, idA, idB, idC)
	})

	t.Run("a client leaves", func(t *testing.T) {
		if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")); err != nil {
			t.Fatal(err)
		}
		if code := wsReadClose(t, c); code != websocket.CloseNormalClosure {
			t.Errorf("the server answered the close with code %d, want 1000", code)
		}
		c.Close()
		// $disconnect removes c's id.
		chatAwaitRoom(t, room, idA, idB)
		left := map[string]*websocket.Conn{"a": a, "b": b}

		wsSend(t, b, `{"action":"sendmessage","data":"after c left"}`)
		chatExpect(t, "sendmessage", "after c left", left)
		wsSend(t, a, `{"action":"sendpy","data":"héllo ✓ from python"}`)
		chatExpect(t, "sendpy", "héllo ✓ from python", left)
		chatAwaitRoom(t, room, idA, idB)
	})
}

// boto3Script drives @connections with boto3's apigatewaymanagementapi
// client. Arguments: the endpoint (http://ADDR/{stage}) and a JSON list of
// calls {"op": "post"|"get"|"delete", "id", "data", "key", "secret",
// "unsigned"}; it prints one JSON result per call.
const boto3Script = `import datetime, json, sys
try:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:
    print("boto3 is not importable: %s" % e)
    sys.exit(3)

endpoint, calls = sys.argv[1], json.loads(sys.argv[2])
results = []
for call in calls:
    kw = dict(endpoint_url=endpoint, region_name="us-east-1")
    if call.get("unsigned"):
        kw["config"] = Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
    else:
        kw["config"] = Config(retries={"max_attempts": 1})
        kw["aws_access_key_id"] = call.get("key", "local")
        kw["aws_secret_access_key"] = call.get("secret", "local")
    c = boto3.client("apigatewaymanagementapi", **kw)
    r = {"op": call["op"]}
    try:
        if call["op"] == "post":
            out = c.post_to_connection(ConnectionId=call["id"], Data=call["data"].encode())
        elif call["op"] == "get":
            out = c.get_connection(ConnectionId=call["id"])
            for k in ("ConnectedAt", "LastActiveAt"):
                v = out[k]
                r[k] = v.isoformat() if isinstance(v, datetime.datetime) else None
                r[k + "IsDatetime"] = isinstance(v, datetime.datetime) and v.tzinfo is not None
            r["SourceIp"] = out["Identity"]["SourceIp"]
            r["UserAgent"] = out["Identity"]["UserAgent"]
        elif call["op"] == "delete":
            out = c.delete_connection(ConnectionId=call["id"])
        r["status"] = out["ResponseMetadata"]["HTTPStatusCode"]
    except c.exceptions.GoneException as e:
        r["exception"] = "GoneException"
        r["status"] = e.response["ResponseMetadata"]["HTTPStatusCode"]
    except ClientError as e:
        r["exception"] = "ClientError"
        r["code"] = e.response["Error"]["Code"]
        r["message"] = e.response["Error"]["Message"]
        r["status"] = e.response["ResponseMetadata"]["HTTPStatusCode"]
    results.append(r)
print(json.dumps(results))
`

// boto3Call is one call of boto3Script.
type boto3Call struct {
	Op       string `json:"op"`
	ID       string `json:"id"`
	Data     string `json:"data,omitempty"`
	Key      string `json:"key,omitempty"`
	Secret   string `json:"secret,omitempty"`
	Unsigned bool   `json:"unsigned,omitempty"`
}

// boto3Result is what boto3Script printed for a call.
type boto3Result struct {
	Op                     string
	Status                 int `json:"status"`
	Exception              string
	Code                   string `json:"code"`
	Message                string `json:"message"`
	ConnectedAt            string
	ConnectedAtIsDatetime  bool
	LastActiveAt           string
	LastActiveAtIsDatetime bool
	SourceIP               string `json:"SourceIp"`
	UserAgent              string
}

// runBoto3 runs boto3Script (written to a temporary folder) against
// endpoint with calls.
func runBoto3(t *testing.T, py, endpoint string, calls ...boto3Call) []boto3Result {
	t.Helper()
	script := writeFile(t, "mgmt.py", boto3Script)
	arg, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, endpoint, string(arg))
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3 script: %v\n%s%s", err, out, stderr)
	}
	var res []boto3Result
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(calls) {
		t.Fatalf("boto3 script printed %s (%v), want %d results", out, err, len(calls))
	}
	return res
}

func TestWebSocketBoto3(t *testing.T) {
	py := boto3Python(t)

	t.Run("post, get and delete a connection", func(t *testing.T) {
		in, room := chatStart(t)
		dialed := time.Now()
		c, id := chatJoin(t, in, room, http.Header{"User-Agent": []string{"chat-client/1.0"}})
		joined := time.Now()
		const msg = "héllo ✓ from boto3"
		res := runBoto3(t, py, in.URL("/chat"),
			boto3Call{Op: "post", ID: id, Data: msg},
			boto3Call{Op: "get", ID: id},
			boto3Call{Op: "delete", ID: id},
			boto3Call{Op: "post", ID: id, Data: "after the delete"},
			boto3Call{Op: "get", ID: id},
			boto3Call{Op: "delete", ID: id},
		)
		if r := res[0]; r.Status != 200 || r.Exception != "" {
			t.Errorf("post_to_connection: %+v, want HTTP 200", r)
		}
		get := res[1]
		if get.Status != 200 || get.Exception != "" || !get.ConnectedAtIsDatetime || !get.LastActiveAtIsDatetime {
			t.Errorf("get_connection: %+v, want HTTP 200 with ConnectedAt and LastActiveAt as aware datetimes", get)
		} else {
			connectedAt, err1 := time.Parse(time.RFC3339Nano, get.ConnectedAt)
			lastActive, err2 := time.Parse(time.RFC3339Nano, get.LastActiveAt)
			if err1 != nil || err2 != nil {
				t.Errorf("get_connection: ConnectedAt %q, LastActiveAt %q: %v %v", get.ConnectedAt, get.LastActiveAt, err1, err2)
			} else if connectedAt.Before(dialed.Add(-time.Second)) || connectedAt.After(joined.Add(time.Second)) || lastActive.Before(connectedAt) {
				t.Errorf("get_connection: ConnectedAt %s, LastActiveAt %s, want the handshake's time (between %s and %s) and no earlier activity",
					connectedAt, lastActive, dialed, joined)
			}
		}
		if get.SourceIP != "127.0.0.1" || get.UserAgent != "chat-client/1.0" {
			t.Errorf("get_connection: Identity SourceIp %q UserAgent %q, want 127.0.0.1 and the client's chat-client/1.0", get.SourceIP, get.UserAgent)
		}
		if r := res[2]; r.Status != 204 || r.Exception != "" {
			t.Errorf("delete_connection: %+v, want HTTP 204", r)
		}
		for i, what := range map[int]string{3: "post_to_connection", 4: "get_connection", 5: "delete_connection"} {
			if r := res[i]; r.Exception != "GoneException" || r.Status != 410 {
				t.Errorf("%s after delete_connection: %+v, want GoneException (HTTP 410)", what, r)
			}
		}

		// The client got the posted message, then the close of the delete.
		if got := wsRead(t, c); got != msg {
			t.Errorf("the client got %q, want %q", got, msg)
		}
		if code := wsReadClose(t, c); code != websocket.CloseNormalClosure {
			t.Errorf("close code %d after delete_connection, want 1000", code)
		}
		// $disconnect ran for the deleted connection.
		chatAwaitRoom(t, room)
	})

	t.Run("SigV4 with --iam-credentials", func(t *testing.T) {
		creds := writeFile(t, "credentials", "[dev]\naws_access_key_id = "+iamKeyID+"\naws_secret_access_key = "+iamSecret+"\n")
		in, room := chatStart(t, "--iam-credentials", creds)
		c, id := chatJoin(t, in, room, nil)
		res := runBoto3(t, py, in.URL("/chat"),
			boto3Call{Op: "post", ID: id, Data: "wrong secret", Key: iamKeyID, Secret: "not-the-secret"},
			boto3Call{Op: "post", ID: id, Data: "unknown key", Key: "AKIDUNKNOWN", Secret: iamSecret},
			boto3Call{Op: "post", ID: id, Data: "unsigned", Unsigned: true},
			boto3Call{Op: "post", ID: id, Data: "signed by boto3", Key: iamKeyID, Secret: iamSecret},
			boto3Call{Op: "get", ID: id, Key: iamKeyID, Secret: iamSecret},
			boto3Call{Op: "delete", ID: id, Key: iamKeyID, Secret: iamSecret},
			boto3Call{Op: "post", ID: id, Data: "gone", Key: iamKeyID, Secret: iamSecret},
		)
		refused := []struct{ what, code, message string }{
			{"a wrong secret", "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
			{"an unknown key", "UnrecognizedClientException", "The security token included in the request is invalid."},
			{"no signature", "MissingAuthenticationTokenException", "Missing Authentication Token"},
		}
		for i, want := range refused {
			r := res[i]
			if r.Exception != "ClientError" || r.Status != 403 || r.Code != want.code || !strings.HasPrefix(r.Message, want.message) {
				t.Errorf("post_to_connection with %s: %+v, want a ClientError %s (HTTP 403) %q", want.what, r, want.code, want.message)
			}
		}
		if r := res[3]; r.Status != 200 || r.Exception != "" {
			t.Errorf("signed post_to_connection: %+v, want HTTP 200", r)
		}
		if r := res[4]; r.Status != 200 || r.SourceIP != "127.0.0.1" || !r.ConnectedAtIsDatetime {
			t.Errorf("signed get_connection: %+v, want HTTP 200 with SourceIp 127.0.0.1", r)
		}
		if r := res[5]; r.Status != 204 || r.Exception != "" {
			t.Errorf("signed delete_connection: %+v, want HTTP 204", r)
		}
		if r := res[6]; r.Exception != "GoneException" || r.Status != 410 {
			t.Errorf("signed post_to_connection after the delete: %+v, want GoneException (HTTP 410)", r)
		}
		// The refused calls sent nothing: the first message is the signed one.
		if got := wsRead(t, c); got != "signed by boto3" {
			t.Errorf("the client got %q, want \"signed by boto3\" (and nothing from the refused calls)", got)
		}
		if code := wsReadClose(t, c); code != websocket.CloseNormalClosure {
			t.Errorf("close code %d after delete_connection, want 1000", code)
		}
	})
}
