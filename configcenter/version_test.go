package configcenter

import (
	"strings"
	"testing"
)

func TestDigest(t *testing.T) {
	if got := Digest(""); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("Digest(\"\") = %s", got)
	}
	if Digest("a") == Digest("a ") {
		t.Fatal("digests of different contents are equal")
	}
}

func TestValidateLabel(t *testing.T) {
	for _, ok := range []string{"v1", "1.2.0-rc1", "2024.01.02_1", "1.0.0+build.5", "V", strings.Repeat("a", 64)} {
		if err := ValidateLabel(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for label, text := range map[string]string{
		"":                      "is required",
		strings.Repeat("a", 65): "at most 64",
		"v 1":                   "may contain only",
		"v1\n":                  "may contain only",
		"-v1":                   "start with a letter or digit",
		".hidden":               "start with a letter or digit",
		"v1/2":                  "may contain only",
		"版本1":                   "may contain only",
	} {
		err := ValidateLabel(label)
		if err == nil || !strings.Contains(err.Error(), text) || !strings.HasPrefix(err.Error(), "label: ") {
			t.Errorf("%q: %v, want …%s…", label, err, text)
		}
	}
}
