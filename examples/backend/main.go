// Command backend is a tiny HTTP service for the examples: it answers every
// request with 200 and a JSON echo of its name, the method, the path and the
// query string, such as
//
//	{"service":"users","method":"GET","path":"/users","query":"x=1"}
//
// examples/microservices.yaml expects two of them:
//
//	go run ./examples/backend -addr 127.0.0.1:9001 -name users &
//	go run ./examples/backend -addr 127.0.0.1:9002 -name orders &
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
)

// echo is the answer to every request.
type echo struct {
	Service string `json:"service"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Query   string `json:"query"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "listen on `HOST:PORT`")
	name := flag.String("name", "backend", "the service `NAME` every answer carries")
	flag.Parse()
	if flag.NArg() != 0 {
		log.Fatalf("backend: unexpected arguments %q (flags: -addr HOST:PORT -name NAME)", flag.Args())
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("backend: %v", err)
	}
	log.Printf("backend %s listening on http://%s", *name, ln.Addr())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false) // a query's & stays &
		_ = enc.Encode(echo{Service: *name, Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery})
	})
	log.Fatal(http.Serve(ln, h))
}
