// Command backend is the HTTP_PROXY baseline of apigw's Lambda runtime
// benchmark (bench/lambda/run.sh): it answers every method and path with the
// body the benchmark's functions return, {"ok":true}, as application/json,
// so that GET /http (apigw -> this backend) and GET /go, /py, /node (apigw ->
// a function) differ only in what is behind apigw.
//
//	go run ./bench/lambda/backend -port 9000
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

const body = `{"ok":true}`

var (
	contentType   = []string{"application/json"}
	contentLength = []string{strconv.Itoa(len(body))}
	bodyBytes     = []byte(body)
)

func handler(w http.ResponseWriter, r *http.Request) {
	// Assigning the map entries directly skips header-key canonicalisation.
	h := w.Header()
	h["Content-Type"] = contentType
	h["Content-Length"] = contentLength
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(bodyBytes)
	}
}

func main() {
	host := flag.String("host", "127.0.0.1", "loopback address to listen on (must be a loopback IP)")
	port := flag.Int("port", 0, "TCP port to listen on (0: any free port)")
	flag.Parse()

	ip := net.ParseIP(*host)
	if ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "backend: -host %q is not a loopback IP; refusing to listen\n", *host)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatalf("backend: %v", err)
	}
	fmt.Printf("backend listening on http://%s\n", ln.Addr())

	srv := &http.Server{
		Handler:           http.HandlerFunc(handler),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Fatal(srv.Serve(ln))
}
