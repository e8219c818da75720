package server

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSQLiteDiskFull fills SQLite's disk with a file-size limit
// (RLIMIT_FSIZE, lowered for this process just above the database's
// current files): writes past it fail in the kernel with EFBIG as on a
// full file system, which a test cannot mount without root. Go ignores
// SIGXFSZ, so the process lives on. Writes then get a typed error and
// leave nothing half done; reads, /healthz and /readyz keep answering;
// once space is back writes succeed and the database passes SQLite's
// integrity check with exactly the writes that were acknowledged.
func TestSQLiteDiskFull(t *testing.T) {
	dir := t.TempDir()
	env := newEnv(t, "sqlite://"+filepath.Join(dir, "bcs.db"))
	env.createProject(t, "Before", "before")
	var largest int64
	for _, name := range []string{"bcs.db", "bcs.db-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Size() > largest {
			largest = fi.Size()
		}
	}
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &saved); err != nil {
		t.Fatal(err)
	}
	full := saved
	full.Cur = uint64(largest + 256<<10)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &saved); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(restore)

	create := func(i int) *gqlResponse {
		return env.do(t, createProject, map[string]any{"in": map[string]any{
			"name": fmt.Sprintf("Filler %d", i), "code": fmt.Sprintf("filler-%d", i), "description": strings.Repeat("x", 2000)}})
	}
	acknowledged, refused := 0, 0
	for i := 0; refused < 3; i++ {
		if i == 5000 {
			t.Fatal("the disk never filled")
		}
		res := create(i)
		switch {
		case len(res.Errors) == 0:
			if refused > 0 {
				t.Fatalf("a write succeeded between refusals on a full disk: %s", res.raw)
			}
			acknowledged++
		case res.code() == "":
			t.Fatalf("untyped error on a full disk: %s", res.raw)
		default:
			refused++
		}
	}
	var page struct{ TotalCount int }
	env.do(t, `{ projects { totalCount } }`, nil).field(t, "projects", &page)
	if page.TotalCount != acknowledged+1 {
		t.Fatalf("%d projects read on a full disk, want the %d acknowledged", page.TotalCount, acknowledged+1)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, err := http.Get(env.srv.URL + path); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s on a full disk: %v %v", path, res, err)
		}
	}

	restore()
	retryCreate := `mutation($in: CreateProjectInput!) { createProject(input: $in) { id } }`
	eventually(t, "a write to succeed once space is back", func() bool {
		res := env.do(t, retryCreate, map[string]any{"in": map[string]any{"name": "After", "code": "after"}})
		if len(res.Errors) > 0 && res.code() == "" {
			t.Fatalf("untyped error after space came back: %s", res.raw)
		}
		return len(res.Errors) == 0
	})
	var check string
	if err := env.db.SQL.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q %v", check, err)
	}
	env.do(t, `{ projects { totalCount } }`, nil).field(t, "projects", &page)
	if page.TotalCount != acknowledged+2 {
		t.Fatalf("%d projects after the disk was full, want the %d acknowledged and the one after", page.TotalCount, acknowledged+2)
	}
}
