// Package lambda invokes Lambda functions: through a remote Lambda Invoke API
// (the Runtime Interface Emulator, AWS, another apigw) now, and through the
// local Runtime API with warm instance pools when that lands. The gateway
// sees only the Invoker interface.
package lambda

import (
	"context"
	"errors"
)

// Invoker runs one synchronous invocation.
type Invoker interface {
	// Invoke calls a function (name, ARN or partial ARN) with a JSON payload.
	// A function that runs and fails is not an error: Result.FunctionError
	// says so. err is for invocations that could not be made.
	Invoke(ctx context.Context, function string, payload []byte) (Result, error)
}

// Result is what an invocation returned.
type Result struct {
	Payload []byte
	// FunctionError is "Unhandled" or "Handled" when the function failed
	// (X-Amz-Function-Error), "" when it succeeded.
	FunctionError string
	// RequestID is the invocation's id when the invoker knows it.
	RequestID string
	// Log is the tail of the invocation's log (up to 4 KB) when asked for.
	Log []byte
}

// ErrNotFound is returned for a function the invoker does not know.
var ErrNotFound = errors.New("function not found")

// ErrTimeout is returned when ctx's deadline passed before the function answered.
var ErrTimeout = errors.New("invocation timed out")

// ErrRequestTooLarge is returned for a payload over Lambda's synchronous
// invocation limit (6 MB): the function is not invoked.
var ErrRequestTooLarge = errors.New("request payload exceeds Lambda's 6 MB limit")
