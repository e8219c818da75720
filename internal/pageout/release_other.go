//go:build !linux

package pageout

import "errors"

// Result says what Release did.
type Result struct {
	Regions             int
	Bytes               uintptr
	RSSBefore, RSSAfter int64
}

// Release is Linux-only (MADV_PAGEOUT, /proc/self/maps).
func Release() (Result, error) { return Result{}, errors.ErrUnsupported }
