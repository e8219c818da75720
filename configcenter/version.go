package configcenter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
)

// Digest is the SHA-256 of a version's content in lower-case hex, stored
// with the immutable version so that a changed row can be detected.
func Digest(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

// MaxLabelLen matches the schema's limit on TemplateVersion.label.
const MaxLabelLen = 64

var labelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// ValidateLabel checks a version label such as v1 or 1.2.0-rc1: 1 to 64
// letters, digits, '.', '_', '+' and '-', starting with a letter or digit
// (so no spaces, and nothing that needs quoting in a URL or a file name).
func ValidateLabel(label string) error {
	switch {
	case label == "":
		return &Error{Field: "label", Message: "is required"}
	case len(label) > MaxLabelLen:
		return &Error{Field: "label", Message: fmt.Sprintf("must be at most %d characters, not %d", MaxLabelLen, len(label))}
	case !labelPattern.MatchString(label):
		return &Error{Field: "label", Message: fmt.Sprintf("%q may contain only letters, digits, '.', '_', '+' and '-', and must start with a letter or digit", label)}
	}
	return nil
}
