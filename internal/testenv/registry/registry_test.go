package registry

import (
	"net/http"
	"testing"
)

func TestRegistryRequiresItsAccount(t *testing.T) {
	r := New(t, "bcs", "s3cret")
	get := func(user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+r.Host+"/v2/", nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("bcs", "s3cret"); code != http.StatusOK {
		t.Fatalf("right password: %d, want 200", code)
	}
	if code := get("bcs", "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401", code)
	}
}
