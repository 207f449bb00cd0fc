// Package bootstrap holds apigw's runtime bootstraps for python and nodejs
// functions: small programs that load a handler and speak the Lambda
// Runtime API the way AWS's own runtime clients do, embedded in the binary
// and written out at start-up.
//
// Both read the usual Lambda environment: _HANDLER, LAMBDA_TASK_ROOT,
// AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME/_VERSION/_MEMORY_SIZE,
// AWS_LAMBDA_LOG_GROUP_NAME/_LOG_STREAM_NAME, and AWS_EXECUTION_ENV
// (AWS_Lambda_<runtime>), which selects version-specific behaviour: non-ASCII
// JSON output from python3.12 on, the promise-only handler model of
// nodejs24.x and later. Run them with the task root as working directory:
//
//	python3 <pythonPath>
//	node <nodePath>
package bootstrap

import (
	_ "embed"
	"os"
	"path/filepath"
)

//go:embed python/bootstrap.py
var python []byte

//go:embed node/bootstrap.js
var node []byte

// Python returns the python bootstrap (standard library only, Python 3.8+).
func Python() []byte { return python }

// Node returns the nodejs bootstrap (CommonJS, built-in modules only, Node 18+).
func Node() []byte { return node }

// Write puts both bootstraps in dir, as bootstrap.py and bootstrap.js with
// mode 0644, and returns their paths.
func Write(dir string) (pythonPath, nodePath string, err error) {
	pythonPath = filepath.Join(dir, "bootstrap.py")
	nodePath = filepath.Join(dir, "bootstrap.js")
	if err = os.WriteFile(pythonPath, python, 0o644); err != nil {
		return "", "", err
	}
	if err = os.WriteFile(nodePath, node, 0o644); err != nil {
		return "", "", err
	}
	return pythonPath, nodePath, nil
}
