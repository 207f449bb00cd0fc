// Command client drives apigw's WebSocket benchmark (bench/websocket/run.sh):
//
//  1. it opens -idle connections to ws://ADDR/bench and reads apigw's
//     resident memory (/proc/PID/status VmRSS) before and after;
//  2. -clients connections send {"action":"whoami"} and read the answer in
//     a loop for -duration: messages/s through a custom route to a local
//     function;
//  3. -posters HTTP clients POST to those connections' @connections URLs
//     for -duration while they read: posts/s.
//
// Results are printed as "name value unit" lines.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "apigw's data-plane address")
	pid := flag.Int("pid", 0, "apigw's process id, for its resident memory")
	idle := flag.Int("idle", 10000, "idle connections to hold")
	clients := flag.Int("clients", 16, "connections that send messages")
	posters := flag.Int("posters", 16, "HTTP clients that post to @connections")
	duration := flag.Duration("duration", 10*time.Second, "each measurement's length")
	flag.Parse()
	url := "ws://" + *addr + "/bench"
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 512, WriteBufferSize: 512}

	rss0 := rss(*pid)
	var held []*websocket.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	start := time.Now()
	var failed atomic.Int64
	for i := 0; i < *idle; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := dialer.Dial(url, nil)
			if err != nil {
				failed.Add(1)
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	opened := time.Since(start)
	time.Sleep(2 * time.Second)
	rss1 := rss(*pid)
	fmt.Printf("idle_connections %d\n", len(held))
	fmt.Printf("idle_failed %d\n", failed.Load())
	fmt.Printf("idle_open_seconds %.1f s\n", opened.Seconds())
	fmt.Printf("rss_before %.1f MB\n", float64(rss0)/1e6)
	fmt.Printf("rss_with_idle %.1f MB\n", float64(rss1)/1e6)
	if len(held) > 0 {
		fmt.Printf("rss_per_connection %.1f KB\n", float64(rss1-rss0)/float64(len(held))/1e3)
	}

	// Messages through the custom route.
	type talker struct {
		c  *websocket.Conn
		id string
	}
	talkers := make([]*talker, *clients)
	for i := range talkers {
		c, _, err := dialer.Dial(url, nil)
		if err != nil {
			log.Fatalf("dial: %v", err)
		}
		c.WriteMessage(websocket.TextMessage, []byte(`{"action":"whoami"}`))
		_, id, err := c.ReadMessage()
		if err != nil {
			log.Fatalf("whoami: %v", err)
		}
		talkers[i] = &talker{c: c, id: string(id)}
	}
	var msgs, msgErrors atomic.Int64
	stop := time.Now().Add(*duration)
	for _, t := range talkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if t.c.WriteMessage(websocket.TextMessage, []byte(`{"action":"whoami"}`)) != nil {
					return
				}
				_, reply, err := t.c.ReadMessage()
				if err != nil {
					return
				}
				if string(reply) != t.id {
					msgErrors.Add(1) // an in-band error frame
					continue
				}
				msgs.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("messages_per_second %.0f msg/s\n", float64(msgs.Load())/duration.Seconds())
	fmt.Printf("messages_failed %d\n", msgErrors.Load())

	// The baseline: as many HTTP clients calling the same function through
	// a REST API (GET /rest/whoami), one request at a time each.
	var calls, callErrors atomic.Int64
	rest := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}
	stop = time.Now().Add(*duration)
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				resp, err := rest.Get("http://" + *addr + "/rest/whoami")
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					calls.Add(1)
				} else {
					callErrors.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("rest_baseline_per_second %.0f req/s\n", float64(calls.Load())/duration.Seconds())
	fmt.Printf("rest_baseline_failed %d\n", callErrors.Load())
	fmt.Printf("messages_vs_rest %.2f\n", float64(msgs.Load())/float64(max(calls.Load(), 1)))

	// @connections posts, read by the talkers.
	var received atomic.Int64
	done := make(chan struct{})
	for _, t := range talkers {
		go func() {
			for {
				if _, _, err := t.c.ReadMessage(); err != nil {
					return
				}
				received.Add(1)
			}
		}()
	}
	var posts, bad atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *posters}}
	stop = time.Now().Add(*duration)
	for i := 0; i < *posters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; time.Now().Before(stop); j++ {
				t := talkers[j%len(talkers)]
				resp, err := client.Post("http://"+*addr+"/bench/@connections/"+strings.ReplaceAll(t.id, "=", "%3D"), "application/octet-stream", bytes.NewReader([]byte("pushed")))
				if err != nil {
					bad.Add(1)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					bad.Add(1)
					continue
				}
				posts.Add(1)
			}
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond)
	close(done)
	fmt.Printf("posts_per_second %.0f post/s\n", float64(posts.Load())/duration.Seconds())
	fmt.Printf("posts_failed %d\n", bad.Load())
	fmt.Printf("posts_received %d\n", received.Load())
	fmt.Printf("rss_at_end %.1f MB\n", float64(rss(*pid))/1e6)
	for _, c := range held {
		c.Close()
	}
}

// rss is a process's resident memory in bytes (0 when unknown).
func rss(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			n, _ := strconv.ParseInt(f[0], 10, 64)
			return n * 1024
		}
	}
	return 0
}
