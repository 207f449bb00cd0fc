// Package lambdaproxy builds the Lambda proxy integration event (payload
// format 1.0, the REST API shape) that API Gateway sends to a function, and
// reads the function's result the way API Gateway does for REST AWS_PROXY
// integrations. websocket.go does the same for WebSocket APIs (the
// CONNECT, MESSAGE and DISCONNECT events, and the route's result), and
// v2.go for HTTP APIs' payload format 2.0 (AppendV2Event, ParseV2Response).
//
// Both directions sit on the request path, so neither uses encoding/json
// reflection for the common case: AppendEvent appends JSON to a caller-owned
// buffer and ParseResponse runs a small purpose-built JSON reader.
//
// Sources for every rule are in ../../../shared/aws-reference.md (§1, §3.1-3.3,
// §12); decisions where AWS's behaviour is not recorded are listed in the
// comments of the function that makes them.
package lambdaproxy
