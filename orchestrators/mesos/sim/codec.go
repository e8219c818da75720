package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gogo/protobuf/proto"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
)

// codec is one of the two media types the v1 API speaks. mesos-go's httpcli
// defaults to protobuf; its JSON codec (ffjson) writes enums as strings and
// empty repeated fields as null, which the generated decoders accept.
type codec int

const (
	codecJSON codec = iota
	codecProtobuf
)

const (
	mediaJSON     = "application/json"
	mediaProtobuf = "application/x-protobuf"
)

func (c codec) contentType() string {
	if c == codecProtobuf {
		return mediaProtobuf
	}
	return mediaJSON
}

func (c codec) encode(m encoding.Marshaler) ([]byte, error) {
	if c == codecProtobuf {
		return proto.Marshal(m.(proto.Message))
	}
	return json.Marshal(m)
}

func (c codec) decode(b []byte, m encoding.Unmarshaler) error {
	if c == codecProtobuf {
		return proto.Unmarshal(b, m.(proto.Message))
	}
	return json.Unmarshal(b, m)
}

// httpError is a status with the plain-text body the master sends with it.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return strconv.Itoa(e.status) + " " + e.msg }

func errorf(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		he = &httpError{status: http.StatusInternalServerError, msg: err.Error()}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(he.status)
	_, _ = w.Write([]byte(he.msg))
}

// requestCodec reads the Content-Type: missing is 400, anything other than
// JSON or protobuf (including application/recordio request streams) is 415.
func requestCodec(r *http.Request) (codec, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return 0, errorf(http.StatusBadRequest, "Expecting 'Content-Type' to be present")
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && mt == mediaJSON:
		return codecJSON, nil
	case err == nil && mt == mediaProtobuf:
		return codecProtobuf, nil
	}
	return 0, errorf(http.StatusUnsupportedMediaType,
		"Expecting 'Content-Type' of %s or %s", mediaJSON, mediaProtobuf)
}

// acceptCodec picks the response type from Accept as the master does: JSON
// if acceptable (a missing header accepts anything), else protobuf, else 406.
func acceptCodec(r *http.Request) (codec, error) {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return codecJSON, nil
	}
	if accepts(accept, mediaJSON) {
		return codecJSON, nil
	}
	if accepts(accept, mediaProtobuf) {
		return codecProtobuf, nil
	}
	return 0, errorf(http.StatusNotAcceptable,
		"Expecting 'Accept' to allow %s or %s", mediaJSON, mediaProtobuf)
}

// accepts reports whether the Accept values admit the media type with a
// non-zero quality.
func accepts(values []string, media string) bool {
	typ, _, _ := strings.Cut(media, "/")
	for _, v := range values {
		for _, rng := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(rng))
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f <= 0 {
					continue
				}
			}
			if mt == media || mt == "*/*" || mt == typ+"/*" {
				return true
			}
		}
	}
	return false
}
