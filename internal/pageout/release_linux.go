package pageout

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Result says what Release did.
type Result struct {
	Regions   int
	Bytes     uintptr // size of the regions advised
	RSSBefore int64   // VmRSS, bytes
	RSSAfter  int64
}

// Release advises MADV_PAGEOUT on the executable's read-only mappings.
// The kernel skips pages other processes map too, and file pages of an
// executable the process may not write (a root-owned binary run by
// another user): then less is released, and nothing fails.
func Release() (Result, error) {
	exe, err := executable()
	if err != nil {
		return Result{}, err
	}
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		return Result{}, fmt.Errorf("pageout: %w", err)
	}
	regions, err := Plan(maps, exe)
	maps.Close()
	if err != nil {
		return Result{}, err
	}
	res := Result{Regions: len(regions), RSSBefore: rss()}
	syncExecutable()
	for _, r := range regions {
		res.Bytes += r.Len()
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, r.Start, r.Len(), unix.MADV_PAGEOUT); errno != 0 {
			return res, fmt.Errorf("pageout: madvise %x-%x %s: %w", r.Start, r.End, r.Perms, errno)
		}
	}
	res.RSSAfter = rss()
	return res, nil
}

// executable is /proc/self/exe's device and inode, written as maps writes
// them.
func executable() (File, error) {
	fi, err := os.Stat("/proc/self/exe")
	if err != nil {
		return File{}, fmt.Errorf("pageout: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return File{}, fmt.Errorf("pageout: no device and inode for /proc/self/exe")
	}
	dev := uint64(st.Dev)
	return File{Dev: fmt.Sprintf("%02x:%02x", unix.Major(dev), unix.Minor(dev)), Inode: st.Ino}, nil
}

// syncExecutable writes back the executable's dirty page-cache pages:
// reclaim skips dirty file pages, and a binary installed moments ago (a
// fresh build, an image layer just unpacked) can still have them.
func syncExecutable() {
	if f, err := os.Open("/proc/self/exe"); err == nil {
		_ = f.Sync()
		f.Close()
	}
}

// rss is VmRSS in bytes, 0 when unknown.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
