// Command backend is the fixed upstream of apigw's benchmarks (bench/run.sh,
// and bench/lambda/run.sh, whose baseline answers what its functions do).
//
// It listens on a loopback port and answers every method and path with the
// same JSON document (by default ~100 bytes; -body sets another), so that
// the benchmark measures the proxy in front of it, not the backend. It uses
// only net/http, precomputes its headers and body, and allocates nothing per
// request beyond what net/http does itself.
//
//	go run ./bench/backend -port 9000
//	go run ./bench/backend -port 9000 -body '{"ok":true}'
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

// defaultBody is the response to every request: 100 bytes of JSON plus a newline.
const defaultBody = `{"id":"abc","name":"benchmark item","price":12.5,"tags":["bench","apigw"],"in_stock":true,"qty":42}` + "\n"

var (
	body          = defaultBody
	contentType   = []string{"application/json"}
	contentLength []string
	bodyBytes     []byte
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
	flag.StringVar(&body, "body", defaultBody, "the body of every response (JSON)")
	flag.Parse()
	contentLength = []string{strconv.Itoa(len(body))}
	bodyBytes = []byte(body)

	ip := net.ParseIP(*host)
	if ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "backend: -host %q is not a loopback IP; refusing to listen\n", *host)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatalf("backend: %v", err)
	}
	// The bound address on stdout lets a caller that passed -port 0 find it.
	fmt.Printf("backend listening on http://%s (%d-byte body)\n", ln.Addr(), len(body))

	srv := &http.Server{
		Handler:           http.HandlerFunc(handler),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Fatal(srv.Serve(ln))
}
