// Package gid implements BCS's global object identifiers.
//
// A global ID is a short type prefix, an underscore and a 26-character
// Crockford base32 rendering of a UUIDv7, e.g. "prj_06f1q3…". The prefix lets
// node(id) find the table without a lookup and lets BCS reject an ID of the
// wrong type before touching storage; the UUIDv7 keeps IDs roughly ordered by
// creation time, so Relay cursors on ID follow insertion order.
package gid

import (
	"database/sql/driver"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// ID is a global object identifier.
type ID string

var encoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// ErrInvalid is returned for a string that is not a well-formed global ID.
var ErrInvalid = errors.New("invalid global ID")

// New returns a fresh ID with the given prefix.
func New(prefix string) ID {
	u := uuid.Must(uuid.NewV7())
	return ID(prefix + "_" + encoding.EncodeToString(u[:]))
}

// Parse checks that s is a well-formed global ID and returns it.
func Parse(s string) (ID, error) {
	prefix, body, ok := strings.Cut(s, "_")
	if !ok || len(prefix) < 2 || len(prefix) > 4 || len(body) != 26 {
		return "", fmt.Errorf("%w %q", ErrInvalid, s)
	}
	if _, err := encoding.DecodeString(body); err != nil {
		return "", fmt.Errorf("%w %q", ErrInvalid, s)
	}
	return ID(s), nil
}

// Prefix returns the type prefix of the ID.
func (id ID) Prefix() string {
	p, _, _ := strings.Cut(string(id), "_")
	return p
}

// String implements fmt.Stringer.
func (id ID) String() string { return string(id) }

// Scan implements sql.Scanner.
func (id *ID) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*id = ""
	case string:
		*id = ID(v)
	case []byte:
		*id = ID(v)
	default:
		return fmt.Errorf("gid: cannot scan %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (id ID) Value() (driver.Value, error) { return string(id), nil }

// UnmarshalGQL implements graphql.Unmarshaler; malformed IDs are refused here,
// before any resolver runs.
func (id *ID) UnmarshalGQL(v any) error {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case ID: // ent's generated noder passes IDs through here too
		s = string(v)
	default:
		return fmt.Errorf("%w: must be a string", ErrInvalid)
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*id = p
	return nil
}

// MarshalGQL implements graphql.Marshaler.
func (id ID) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(id))) }
