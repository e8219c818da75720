package scheduler

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Forwarded calls carry a signature, not a bearer token that anyone who
// once saw it could replay: HMAC-SHA256 under the cluster's RPC key of the
// method, the path, a timestamp, a nonce and the body's digest. The
// receiver refuses a timestamp further than RPCMaxSkew from its clock and
// a nonce it has seen within that window, so a captured call works at
// most once, only for the request it was made for, and not for long.

// RPCMaxSkew is how far a signed call's timestamp may be from the
// receiver's clock (replicas keep their clocks in sync, e.g. NTP).
const RPCMaxSkew = time.Minute

const rpcScheme = "BCS-HMAC-SHA256"

// ErrRPCSignature is wrapped by every refused signature.
var ErrRPCSignature = errors.New("forwarded call: bad signature")

// SignRPC signs req, whose body is body, with key at now.
func SignRPC(req *http.Request, key, body []byte, now time.Time) {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	ts := strconv.FormatInt(now.Unix(), 10)
	n := hex.EncodeToString(nonce)
	req.Header.Set("Authorization", fmt.Sprintf("%s ts=%s,nonce=%s,sig=%s", rpcScheme, ts, n,
		hex.EncodeToString(rpcMAC(key, req.Method, req.URL.Path, ts, n, body))))
}

func rpcMAC(key []byte, method, path, ts, nonce string, body []byte) []byte {
	digest := sha256.Sum256(body)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%x", method, path, ts, nonce, digest)
	return m.Sum(nil)
}

// RPCVerifier checks signed calls and remembers the nonces it accepted for
// as long as their timestamps are acceptable. It is safe for concurrent use.
type RPCVerifier struct {
	mu        sync.Mutex
	seen      map[string]time.Time // nonce → when it stops mattering
	nextPrune time.Time
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Verify checks req (whose body was read into body) against key.
func (v *RPCVerifier) Verify(req *http.Request, key, body []byte) error {
	if len(key) == 0 {
		return fmt.Errorf("%w: forwarding is off", ErrRPCSignature)
	}
	params, ok := strings.CutPrefix(req.Header.Get("Authorization"), rpcScheme+" ")
	if !ok {
		return fmt.Errorf("%w: not signed", ErrRPCSignature)
	}
	var ts, nonce, sig string
	for _, kv := range strings.Split(params, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "ts":
			ts = val
		case "nonce":
			nonce = val
		case "sig":
			sig = val
		}
	}
	got, err := hex.DecodeString(sig)
	if err != nil || ts == "" || len(nonce) != 32 {
		return fmt.Errorf("%w: malformed", ErrRPCSignature)
	}
	if !hmac.Equal(got, rpcMAC(key, req.Method, req.URL.Path, ts, nonce, body)) {
		return fmt.Errorf("%w: does not match", ErrRPCSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed timestamp", ErrRPCSignature)
	}
	now := v.now()
	at := time.Unix(sec, 0)
	if at.Before(now.Add(-RPCMaxSkew)) || at.After(now.Add(RPCMaxSkew)) {
		return fmt.Errorf("%w: timestamp %s is too far from now", ErrRPCSignature, at.UTC().Format(time.RFC3339))
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]time.Time{}
	}
	if now.After(v.nextPrune) { // only validly signed calls are remembered
		for n, until := range v.seen {
			if now.After(until) {
				delete(v.seen, n)
			}
		}
		v.nextPrune = now.Add(10 * time.Second)
	}
	if _, dup := v.seen[nonce]; dup {
		return fmt.Errorf("%w: replayed", ErrRPCSignature)
	}
	v.seen[nonce] = at.Add(RPCMaxSkew)
	return nil
}

func (v *RPCVerifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}
