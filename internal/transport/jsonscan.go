package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A GraphQL request body is mostly one long string, the document. Reading it
// with encoding/json takes four passes over it (the decoder's scan, the
// member's raw copy, then a validating unmarshal and unquote of the string),
// which made a 1 MiB body cost more than every limit that could refuse it.
// members and unquote read the object's top level and its strings in one
// pass each; the other members' values (variables, extensions) still go
// through encoding/json.

var (
	errNotObject = errors.New("request body is not a JSON object")
	errTrailing  = errors.New("request body has data after the JSON object")
	errString    = errors.New("must be a string")
)

// members splits a JSON object into its members' raw values, refusing what
// encoding/json would (FuzzMembersAgreeWithEncodingJSON holds them equal).
// String values of the keys in unquoted are not checked here: the caller
// unquotes them anyway, and that one pass refuses what this one would.
func members(body []byte, unquoted ...string) (map[string]json.RawMessage, error) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil, errNotObject
	}
	out := map[string]json.RawMessage{}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return out, trailing(body, i+1)
	}
	for {
		end, ok := stringEnd(body, i)
		if !ok {
			return nil, errNotObject
		}
		key, err := unquote(body[i:end])
		if err != nil {
			return nil, errNotObject
		}
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return nil, errNotObject
		}
		i = skipSpace(body, i+1)
		if end, ok = stringEnd(body, i); ok {
			if !slices.Contains(unquoted, key) {
				if _, err := unquote(body[i:end]); err != nil {
					return nil, errNotObject
				}
			}
		} else {
			if i < len(body) && body[i] == '"' {
				return nil, errNotObject // an unterminated string
			}
			dec := json.NewDecoder(bytes.NewReader(body[i:]))
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, errNotObject
			}
			end = i + int(dec.InputOffset())
		}
		out[key] = body[i:end]
		i = skipSpace(body, end)
		switch {
		case i < len(body) && body[i] == ',':
			i = skipSpace(body, i+1)
		case i < len(body) && body[i] == '}':
			return out, trailing(body, i+1)
		default:
			return nil, errNotObject
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func trailing(b []byte, i int) error {
	if skipSpace(b, i) != len(b) {
		return errTrailing
	}
	return nil
}

// stringEnd finds the end of the JSON string starting at b[i], just past
// its closing quote; ok is false when b[i] starts no string or it does not
// end. Escapes are only skipped here; unquote checks them.
func stringEnd(b []byte, i int) (end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for j := i + 1; ; {
		k := bytes.IndexAny(b[j:], `"\`)
		if k < 0 {
			return 0, false
		}
		j += k
		if b[j] == '"' {
			return j + 1, true
		}
		j += 2 // a backslash and the byte it escapes
		if j > len(b) {
			return 0, false
		}
	}
}

// unquote decodes a JSON string literal, quotes included, as encoding/json
// does: escapes resolved, control characters refused, invalid UTF-8 and
// lone surrogates replaced by U+FFFD.
func unquote(q []byte) (string, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", errString
	}
	s := q[1 : len(q)-1]
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		for _, c := range s {
			if c < 0x20 {
				return "", errString
			}
		}
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] < utf8.RuneSelf && s[j] != '\\' && s[j] != '"' {
			j++
		}
		out = append(out, s[i:j]...) // a run of plain ASCII, the bulk of a document
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		switch {
		case c < 0x20 || c == '"':
			return "", errString
		case c != '\\':
			r, n := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r) // RuneError for invalid bytes, as encoding/json
			i += n
			continue
		}
		if i+1 >= len(s) {
			return "", errString
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s[i+2:])
			if !ok {
				return "", errString
			}
			i += 6
			if utf16.IsSurrogate(r) {
				hi := r
				r = utf8.RuneError
				if len(s) >= i+6 && s[i] == '\\' && s[i+1] == 'u' {
					if lo, ok := hex4(s[i+2:]); ok {
						if dec := utf16.DecodeRune(hi, lo); dec != utf8.RuneError {
							r = dec
							i += 6
						}
					}
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", errString
		}
		i += 2
	}
	return string(out), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}
