package lambda

import (
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/model"
)

// TestWireWebSocketFunctions: the functions of WebSocket APIs' AWS_PROXY
// integrations and authorizers are used, so one that cannot run is an
// error, not a note.
func TestWireWebSocketFunctions(t *testing.T) {
	s3 := func(name string) *model.Function {
		return &model.Function{LogicalID: name, Name: name, Runtime: "python3.12", Handler: "index.handler", CodeLine: 3,
			Code: model.Code{S3Bucket: "b", S3Key: "k"}}
	}
	integ, auth := s3("Integ"), s3("Auth")
	m := &model.Model{File: "t.yaml", Functions: []*model.Function{integ, auth}, WebSocketAPIs: []*model.WebSocketAPI{{
		Integrations: []*model.WSIntegration{{Type: model.AWSProxy, Target: integ}},
		Authorizers:  []*model.WSAuthorizer{{Target: auth}},
	}}}
	_, _, err := Wire(nil, m, Setup{Region: "us-east-1"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"t.yaml:3: Integ.Properties.Code: function Integ:", "t.yaml:3: Auth.Properties.Code: function Auth:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}
