package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestRelativePaths runs apigw as a user does from a project folder:
// `apigw serve template.yaml` with a relative template, the default --data
// (.apigw) and function code in a relative folder. Inline and folder code
// must both run, and the runtime's files must go away at shutdown.
func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	tpl := `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: rel}
  Inline:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: inline}
  Folder:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: folder}
  GetInline:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Inline
      HttpMethod: GET
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${InlineFn.Arn}/invocations
  GetFolder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Folder
      HttpMethod: GET
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FolderFn.Arn}/invocations
  InlineFn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Runtime: python3.12
      Handler: index.handler
      Code:
        ZipFile: |
          def handler(event, context):
              return {'statusCode': 200, 'body': 'inline'}
  FolderFn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Runtime: nodejs20.x
      Handler: app.handler
      Code: ./src
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetInline, GetFolder]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	js := "exports.handler = async () => ({statusCode: 200, body: 'folder'});\n"
	if err := os.WriteFile(filepath.Join(dir, "src", "app.js"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(apigwBin, "serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "template.yaml")
	cmd.Dir = dir
	ready := make(chan string, 1)
	stderr := &lineWriter{onLine: func(line string) {
		if m := servingLine.FindStringSubmatch(line); m != nil {
			select {
			case ready <- m[1]:
			default:
			}
		}
	}}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	var addr string
	select {
	case addr = <-ready:
	case err := <-exited:
		t.Fatalf("apigw exited (%v) before serving:\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("apigw did not serve:\n%s", stderr.String())
	}
	for path, want := range map[string]string{"/prod/inline": "inline", "/prod/folder": "folder"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("%s: %d %q, want 200 %q\n%s", path, resp.StatusCode, body, want, stderr.String())
		}
	}
	if entries, err := os.ReadDir(filepath.Join(dir, ".apigw", "lambda")); err != nil || len(entries) != 1 {
		t.Errorf("the runtime's folder under the default --data: %v %v", entries, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("apigw exited with %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("apigw did not stop")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".apigw", "lambda")); len(entries) != 0 {
		t.Errorf("the runtime's files outlived apigw: %v", entries)
	}
}
