package e2e

// The Lambda Invoke API on the data-plane listener, called by the AWS SDK for
// Go v2 and by the AWS CLI (or boto3), as users point them at apigw with a
// custom endpoint (aws-reference §11.3).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// rtLambdaClient is an SDK Lambda client for an apigw instance: static
// credentials, region us-east-1, the instance's data plane as endpoint.
func rtLambdaClient(in *Instance, opts ...func(*awslambda.Options)) *awslambda.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
	}
	opts = append([]func(*awslambda.Options){func(o *awslambda.Options) { o.BaseEndpoint = aws.String(in.BaseURL) }}, opts...)
	return awslambda.NewFromConfig(cfg, opts...)
}

// rtInvokeCases: rt-invoke prints its payload, returns it, raises ValueError
// when the payload has "fail", and writes its request id to the file named
// by "touch".
func rtInvokeCases(t *testing.T, in *Instance) {
	c := rtLambdaClient(in)
	ctx := context.Background()
	const arn = "arn:aws:lambda:" + rtRegion + ":123456789012:function:rt-invoke"

	t.Run("function names", func(t *testing.T) {
		for _, tc := range []struct {
			name, function, qualifier string
		}{
			{"FunctionName", "rt-invoke", ""},
			{"logical ID", "InvokeFn", ""},
			{"full ARN", arn, ""},
			{"partial ARN", "123456789012:function:rt-invoke", ""},
			{"Qualifier $LATEST", "rt-invoke", "$LATEST"},
			{"ARN with :$LATEST", arn + ":$LATEST", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				payload := []byte(`{"by":"` + tc.name + `","n":[1,2,3],"nested":{"ok":true}}`)
				in := &awslambda.InvokeInput{FunctionName: aws.String(tc.function), Payload: payload}
				if tc.qualifier != "" {
					in.Qualifier = aws.String(tc.qualifier)
				}
				out, err := c.Invoke(ctx, in)
				if err != nil {
					t.Fatalf("Invoke %s: %v", tc.function, err)
				}
				if out.StatusCode != 200 || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" {
					t.Errorf("StatusCode %d FunctionError %v ExecutedVersion %q, want 200, none, $LATEST",
						out.StatusCode, aws.ToString(out.FunctionError), aws.ToString(out.ExecutedVersion))
				}
				if !rtJSONEqual(out.Payload, payload) {
					t.Errorf("payload %s, want %s back", out.Payload, payload)
				}
			})
		}
	})

	t.Run("function error", func(t *testing.T) {
		out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"), Payload: []byte(`{"fail":"no good"}`)})
		if err != nil {
			t.Fatalf("Invoke: %v (a function error is not an API error)", err)
		}
		if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" {
			t.Errorf("StatusCode %d FunctionError %q, want 200 Unhandled", out.StatusCode, aws.ToString(out.FunctionError))
		}
		var e struct {
			ErrorMessage string   `json:"errorMessage"`
			ErrorType    string   `json:"errorType"`
			StackTrace   []string `json:"stackTrace"`
		}
		if err := json.Unmarshal(out.Payload, &e); err != nil || e.ErrorMessage != "no good" || e.ErrorType != "ValueError" || len(e.StackTrace) == 0 {
			t.Errorf("payload %s, want python's {\"errorMessage\": \"no good\", \"errorType\": \"ValueError\", \"stackTrace\": [...]}", out.Payload)
		}
	})

	t.Run("InvocationType Event", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "ran")
		payload, _ := json.Marshal(map[string]string{"touch": marker})
		out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"),
			InvocationType: types.InvocationTypeEvent, Payload: payload})
		if err != nil {
			t.Fatalf("Invoke Event: %v", err)
		}
		if out.StatusCode != 202 || len(out.Payload) != 0 {
			t.Errorf("StatusCode %d payload %q, want 202 and no payload", out.StatusCode, out.Payload)
		}
		// The function runs after the answer.
		if id := rtWaitFile(t, marker, 15*time.Second); !uuidRE.MatchString(id) {
			t.Errorf("the asynchronous invocation wrote request id %q, want a UUID", id)
		}
	})

	t.Run("ClientContext", func(t *testing.T) {
		// X-Amz-Client-Context: base64 JSON the function sees as its
		// context's client_context (synchronous invocations only).
		cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"},"env":{"platform":"e2e"}}`))
		out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"),
			ClientContext: aws.String(cc), Payload: []byte(`{"clientContext":1}`)})
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		if want := `{"custom":{"k":"v"}}`; !rtJSONEqual(out.Payload, []byte(want)) {
			t.Errorf("the function saw client context %s, want %s", out.Payload, want)
		}
	})

	t.Run("InvocationType DryRun", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "ran")
		payload, _ := json.Marshal(map[string]string{"touch": marker})
		out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"),
			InvocationType: types.InvocationTypeDryRun, Payload: payload})
		if err != nil {
			t.Fatalf("Invoke DryRun: %v", err)
		}
		if out.StatusCode != 204 {
			t.Errorf("StatusCode %d, want 204", out.StatusCode)
		}
		time.Sleep(300 * time.Millisecond) // a DryRun must not run the function: give it a chance to (wrongly) do so
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("DryRun ran the function")
		}
	})

	t.Run("LogType Tail", func(t *testing.T) {
		out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"),
			LogType: types.LogTypeTail, Payload: []byte(`{"tail":1}`)})
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		logs, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		if err != nil {
			t.Fatalf("LogResult %q is not base64: %v", aws.ToString(out.LogResult), err)
		}
		// As CloudWatch Logs shows an invocation (LDG, monitoring with the CLI).
		want := regexp.MustCompile(`(?s)START RequestId: ` + regexp.QuoteMeta(id) + ` Version: \$LATEST\n` +
			`.*rt-invoke got \{"tail": 1\}\n` +
			`.*END RequestId: ` + regexp.QuoteMeta(id) + `\n` +
			`REPORT RequestId: ` + regexp.QuoteMeta(id) + `\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB`)
		if id == "" || !want.Match(logs) {
			t.Errorf("log tail for request %q:\n%s\nwant it to match %s", id, logs, want)
		}
		if !strings.Contains(string(logs), "REPORT RequestId: ") {
			t.Errorf("log tail has no REPORT line")
		}
	})

	t.Run("errors", func(t *testing.T) {
		big := make([]byte, 0, 6<<20+16)
		big = append(big, `{"a":"`...)
		big = append(big, bytes.Repeat([]byte("x"), 6<<20)...)
		big = append(big, `"}`...)
		bigAsync := []byte(`{"a":"` + strings.Repeat("y", 1536<<10) + `"}`)
		for _, tc := range []struct {
			name  string
			in    *awslambda.InvokeInput
			check func(error) bool
			want  string
		}{
			{"unknown function", &awslambda.InvokeInput{FunctionName: aws.String("rt-nope")},
				func(err error) bool {
					var e *types.ResourceNotFoundException
					return errors.As(err, &e) && strings.Contains(e.ErrorMessage(), "function:rt-nope")
				}, "*types.ResourceNotFoundException naming function:rt-nope"},
			{"unknown version", &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"), Qualifier: aws.String("7")},
				func(err error) bool { var e *types.ResourceNotFoundException; return errors.As(err, &e) },
				"*types.ResourceNotFoundException"},
			{"payload over 6 MB", &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"), Payload: big},
				func(err error) bool { var e *types.RequestTooLargeException; return errors.As(err, &e) },
				"*types.RequestTooLargeException"},
			// Asynchronous payloads: 256 KB (aws-reference §11.3), 1 MB since
			// October 2025; 1.5 MB is over both.
			{"Event payload over the asynchronous limit", &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"),
				InvocationType: types.InvocationTypeEvent, Payload: bigAsync},
				func(err error) bool { var e *types.RequestTooLargeException; return errors.As(err, &e) },
				"*types.RequestTooLargeException"},
			{"payload not JSON", &awslambda.InvokeInput{FunctionName: aws.String("rt-invoke"), Payload: []byte("nope")},
				func(err error) bool { var e *types.InvalidRequestContentException; return errors.As(err, &e) },
				"*types.InvalidRequestContentException"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.Invoke(ctx, tc.in)
				if !tc.check(err) {
					t.Errorf("got %v (%T), want %s", err, errors.Unwrap(err), tc.want)
				}
			})
		}
	})

	t.Run("aws cli or boto3", func(t *testing.T) {
		rtCLIInvoke(t, in)
	})
}

// rtCLIInvoke runs `aws lambda invoke --endpoint-url` (the AWS CLI) or, when
// there is no CLI, the same call with python's boto3; it skips when neither
// is installed.
func rtCLIInvoke(t *testing.T, in *Instance) {
	dir := t.TempDir()
	payload := `{"from":"cli","n":2}`
	inFile, outFile := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.json")
	if err := os.WriteFile(inFile, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(name string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		cmd.Dir = dir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			err = errors.New(err.Error() + ": " + stderr.String())
		}
		return stdout.String(), err
	}

	var meta struct {
		StatusCode      int
		ExecutedVersion string
		FunctionError   string
	}
	var got []byte
	if _, err := exec.LookPath("aws"); err == nil && exec.Command("aws", "--version").Run() == nil {
		stdout, err := run("aws", "lambda", "invoke", "--endpoint-url", in.BaseURL, "--function-name", "rt-invoke",
			"--payload", "fileb://"+inFile, outFile)
		if err != nil {
			t.Fatalf("aws lambda invoke: %v", err)
		}
		if err := json.Unmarshal([]byte(stdout), &meta); err != nil {
			t.Fatalf("aws lambda invoke printed %q: %v", stdout, err)
		}
		if got, err = os.ReadFile(outFile); err != nil {
			t.Fatal(err)
		}
	} else if exec.Command("python3", "-c", "import boto3").Run() == nil {
		const script = `import json, sys, boto3
c = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1")
r = c.invoke(FunctionName="rt-invoke", Payload=open(sys.argv[2], "rb").read())
print(json.dumps({"StatusCode": r["StatusCode"], "ExecutedVersion": r.get("ExecutedVersion", ""),
                  "FunctionError": r.get("FunctionError", ""), "Payload": r["Payload"].read().decode()}))`
		stdout, err := run("python3", "-c", script, in.BaseURL, inFile)
		if err != nil {
			t.Fatalf("boto3 invoke: %v", err)
		}
		var v struct{ Payload string }
		if err := json.Unmarshal([]byte(stdout), &meta); err != nil || json.Unmarshal([]byte(stdout), &v) != nil {
			t.Fatalf("boto3 printed %q: %v", stdout, err)
		}
		got = []byte(v.Payload)
	} else {
		t.Fatal("neither the AWS CLI nor boto3 is installed (scripts/test.sh installs awscli)")
	}
	if meta.StatusCode != 200 || meta.ExecutedVersion != "$LATEST" || meta.FunctionError != "" {
		t.Errorf("StatusCode %d ExecutedVersion %q FunctionError %q, want 200 $LATEST none", meta.StatusCode, meta.ExecutedVersion, meta.FunctionError)
	}
	if !rtJSONEqual(got, []byte(payload)) {
		t.Errorf("the function returned %s, want %s", got, payload)
	}
}
