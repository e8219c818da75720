package auth

import (
	"testing"
	"time"
)

// A token never outlives the (non-admin) token that made it; BCS's own
// and admins' follow the asked lifetime.
func TestExpiryCappedByTheMaker(t *testing.T) {
	soon := time.Now().Add(time.Hour)
	if got := Expiry(&Viewer{ExpiresAt: &soon}, 8*time.Hour); got == nil || !got.Equal(soon) {
		t.Errorf("8h from a token expiring in 1h: %v", got)
	}
	if got := Expiry(&Viewer{ExpiresAt: &soon}, 0); got == nil || !got.Equal(soon) {
		t.Errorf("forever from a token expiring in 1h: %v", got)
	}
	if got := Expiry(&Viewer{ExpiresAt: &soon, Admin: true}, 8*time.Hour); got == nil || got.Before(soon.Add(6*time.Hour)) {
		t.Errorf("admin: %v", got)
	}
	if got := Expiry(nil, 0); got != nil {
		t.Errorf("BCS's own forever token: %v", got)
	}
	if got := Expiry(&Viewer{}, 30*time.Minute); got == nil || time.Until(*got) > 31*time.Minute {
		t.Errorf("30m: %v", got)
	}
}
