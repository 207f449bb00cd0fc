// Package bootstrap holds apigw's runtime bootstraps for python and nodejs
// functions: small programs that load a handler and speak the Lambda
// Runtime API, embedded in the binary and written out at start-up.
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

// Python returns the python bootstrap.
func Python() []byte { return python }

// Node returns the nodejs bootstrap.
func Node() []byte { return node }

// Write puts both bootstraps in dir and returns their paths.
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
