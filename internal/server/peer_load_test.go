package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// peerLoadEnv carries a load phase's JSON configuration to a child process
// (the test binary re-executed, intercepted in init before TestMain), so the
// server's process CPU counts only serving.
const peerLoadEnv = "BCS_PEER_LOAD_CHILD"

// peerLoad is one load phase: Concurrency clients posting Body to URL until
// Duration has passed or MaxRequests were sent, each request carrying the
// next of Tokens (one per line in TokensFile) as a bearer token.
type peerLoad struct {
	URL, Body, TokensFile string
	Concurrency           int
	Duration              time.Duration
	MaxRequests           int64
}

type peerResult struct {
	Requests, Errors int64
	Elapsed          time.Duration
	P50, P99         time.Duration
	FirstError       string
}

func (r peerResult) perSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func init() {
	if raw := os.Getenv(peerLoadEnv); raw != "" {
		var cfg peerLoad
		if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		b, _ := json.Marshal(cfg.run())
		fmt.Println(string(b))
		os.Exit(0)
	}
}

// runPeerLoad runs cfg in a child process and returns what it measured.
func runPeerLoad(cfg peerLoad) (peerResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return peerResult{}, err
	}
	raw, _ := json.Marshal(cfg)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), peerLoadEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	timer := time.AfterFunc(cfg.Duration+time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.Output()
	if err != nil {
		return peerResult{}, fmt.Errorf("load generator: %w", err)
	}
	var r peerResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil {
		return r, fmt.Errorf("load generator said %q: %w", out, err)
	}
	if r.Errors > 0 {
		return r, fmt.Errorf("%d of %d requests failed, first: %s", r.Errors, r.Requests+r.Errors, r.FirstError)
	}
	return r, nil
}

func (cfg peerLoad) run() peerResult {
	raw, err := os.ReadFile(cfg.TokensFile)
	if err != nil {
		return peerResult{Errors: 1, FirstError: err.Error()}
	}
	tokens := strings.Fields(string(raw))
	client := newPeerClient()
	var (
		next, sent, failed atomic.Int64
		mu                 sync.Mutex
		lat                []time.Duration
		first              string
		wg                 sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && sent.Add(1) <= cfg.MaxRequests {
				tok := tokens[int(next.Add(1))%len(tokens)]
				t0 := time.Now()
				if err := peerPost(client, cfg.URL, tok, cfg.Body); err != nil {
					failed.Add(1)
					mu.Lock()
					if first == "" {
						first = err.Error()
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r := peerResult{Requests: int64(len(lat)), Errors: failed.Load(), Elapsed: time.Since(start), FirstError: first}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		r.P50, r.P99 = lat[n/2], lat[n*99/100]
	}
	return r
}

// newPeerClient keeps a connection per client goroutine alive.
func newPeerClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
}

// post sends one query; an HTTP error or a GraphQL error is a failure.
func peerPost(client *http.Client, url, token, body string) error {
	_, err := peerPostRead(client, url, token, body)
	return err
}

func peerFetch(url, token, body string) ([]byte, error) {
	return peerPostRead(http.DefaultClient, url, token, body)
}

func peerPostRead(client *http.Client, url, token, body string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errors"`)) {
		return b, fmt.Errorf("status %d: %.300s", res.StatusCode, b)
	}
	return b, nil
}
