package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// Subprotocols, in the server's order of preference.
const (
	subprotocolTransportWS = "graphql-transport-ws"
	subprotocolLegacy      = "graphql-ws" // Apollo subscriptions-transport-ws
)

// Close codes, as enisdenjo/graphql-ws's CloseCode defines them, plus the
// slow-consumer code.
const (
	CloseBadRequest               = 4400 // invalid or unknown message; reason = what was wrong
	CloseUnauthorized             = 4401 // subscribe before connection_ack
	CloseForbidden                = 4403 // InitFunc rejected connection_init
	CloseSubprotocolNotAcceptable = 4406 // no supported subprotocol requested
	CloseInitTimeout              = 4408 // no connection_init within InitTimeout
	CloseSubscriberExists         = 4409 // subscribe with the id of an active operation
	CloseTooManyInitRequests      = 4429 // a second connection_init
	CloseInternalError            = 4500 // the server failed
	// CloseSlowConsumer (1013 "Try Again Later") closes a connection whose
	// outgoing queue stayed full for SendTimeout. graphql-ws clients treat
	// 1013 as retryable; the client should resubscribe from the last
	// revision it received.
	CloseSlowConsumer = websocket.CloseTryAgainLater
)

const reasonSlowConsumer = "client fell behind: resubscribe from the last revision received"

// closeError ends a connection with a close frame.
type closeError struct {
	code   int
	reason string
}

func (e *closeError) Error() string { return fmt.Sprintf("websocket close %d: %s", e.code, e.reason) }

func closeWith(code int, format string, args ...any) error {
	return &closeError{code: code, reason: fmt.Sprintf(format, args...)}
}

// Close is an error for hooks (InitFunc, Admit) that ends the connection with
// code and reason, e.g. Close(CloseForbidden, "token revoked").
func Close(code int, reason string) error {
	return &closeError{code: code, reason: reason}
}

// inbound is one client message. Fields are kept raw so their JSON types can
// be checked: the protocol closes with 4400 on a wrongly typed field.
type inbound struct {
	Type    string
	id      json.RawMessage
	payload json.RawMessage // nil when absent or null
}

// parseInbound checks the envelope common to both protocols.
func parseInbound(data []byte) (inbound, error) {
	var m inbound
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return m, errors.New("message must be a JSON object")
		}
		return m, fmt.Errorf("message is not valid JSON: %w", err)
	}
	if raw == nil {
		return m, errors.New("message must be a JSON object")
	}
	if err := json.Unmarshal(raw["type"], &m.Type); err != nil || m.Type == "" {
		return m, errors.New("message is missing a string 'type' property")
	}
	m.id = raw["id"]
	if p := raw["payload"]; len(p) > 0 && string(p) != "null" {
		m.payload = p
	}
	return m, nil
}

// ID returns the operation id, which must be a non-empty string.
func (m inbound) ID() (string, error) {
	var id string
	if len(m.id) == 0 || json.Unmarshal(m.id, &id) != nil || id == "" {
		return "", fmt.Errorf("%q message requires a non-empty string 'id' property", m.Type)
	}
	return id, nil
}

// ObjectPayload decodes a payload that must be an object or absent.
func (m inbound) ObjectPayload() (map[string]any, error) {
	if m.payload == nil {
		return nil, nil
	}
	var p map[string]any
	if err := decodeObject(m.payload, &p); err != nil {
		return nil, fmt.Errorf("%q message expects an object 'payload' or none", m.Type)
	}
	return p, nil
}

// OperationParams decodes a subscribe/start payload: a string query, and
// optional operationName, variables and extensions of the right types.
func (m inbound) OperationParams() (*graphql.RawParams, error) {
	var raw map[string]json.RawMessage
	if m.payload == nil || m.payload[0] != '{' || json.Unmarshal(m.payload, &raw) != nil {
		return nil, fmt.Errorf("%q message requires an object 'payload' property", m.Type)
	}
	p := &graphql.RawParams{}
	q := raw["query"]
	if len(q) == 0 || q[0] != '"' || json.Unmarshal(q, &p.Query) != nil {
		return nil, fmt.Errorf("%q message payload requires a string 'query' property", m.Type)
	}
	if err := decodeString(raw["operationName"], &p.OperationName); err != nil {
		return nil, fmt.Errorf("%q message payload 'operationName': %w", m.Type, err)
	}
	if err := decodeObject(raw["variables"], &p.Variables); err != nil {
		return nil, fmt.Errorf("%q message payload 'variables': %w", m.Type, err)
	}
	if err := decodeObject(raw["extensions"], &p.Extensions); err != nil {
		return nil, fmt.Errorf("%q message payload 'extensions': %w", m.Type, err)
	}
	return p, nil
}

// frame encodes a server message. idJSON and payload are already JSON;
// either may be nil.
func frame(typ string, idJSON, payload []byte) []byte {
	b := make([]byte, 0, len(`{"id":,"type":"","payload":}`)+len(idJSON)+len(typ)+len(payload))
	b = append(b, '{')
	if idJSON != nil {
		b = append(b, `"id":`...)
		b = append(b, idJSON...)
		b = append(b, ',')
	}
	b = append(b, `"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if payload != nil {
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
	}
	return append(b, '}')
}

// nextFrame encodes a result message ("next" or legacy "data") in one
// allocation, the result written by appendResponse.
func nextFrame(typ string, idJSON []byte, resp *graphql.Response) ([]byte, error) {
	b := make([]byte, 0, len(`{"id":,"type":"","payload":{"data":}}`)+len(idJSON)+len(typ)+len(resp.Data)+16)
	b = append(b, `{"id":`...)
	b = append(b, idJSON...)
	b = append(b, `,"type":"`...)
	b = append(b, typ...)
	b = append(b, `","payload":`...)
	b, err := appendResponse(b, resp)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendResponse encodes resp as json.Marshal would, except that Data is
// copied as it is: the executor produced it as JSON, and encoding/json would
// re-validate and compact it, which dominates the cost of a fan-out.
func appendResponse(b []byte, resp *graphql.Response) ([]byte, error) {
	b = append(b, '{')
	if len(resp.Errors) > 0 {
		errs, err := marshalPayload(resp.Errors)
		if err != nil {
			return nil, err
		}
		b = append(b, `"errors":`...)
		b = append(b, errs...)
		b = append(b, ',')
	}
	b = append(b, `"data":`...)
	if len(resp.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, resp.Data...)
	}
	if resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 {
		rest, err := marshalPayload(struct {
			Label      string         `json:"label,omitempty"`
			Path       any            `json:"path,omitempty"`
			HasNext    *bool          `json:"hasNext,omitempty"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Label, pathOrNil(resp), resp.HasNext, resp.Extensions})
		if err != nil {
			return nil, err
		}
		if len(rest) > 2 { // {"label":…} → ,"label":…
			b = append(b, ',')
			b = append(b, rest[1:len(rest)-1]...)
		}
	}
	return append(b, '}'), nil
}

func pathOrNil(resp *graphql.Response) any {
	if len(resp.Path) == 0 {
		return nil
	}
	return resp.Path
}

// marshalPayload encodes v without the trailing newline and HTML escaping
// json.Marshal would add.
func marshalPayload(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode websocket payload: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// maxCloseReason is what fits in a close frame after the 2-byte code.
const maxCloseReason = 123

func truncateReason(s string) string {
	if len(s) <= maxCloseReason {
		return s
	}
	s = s[:maxCloseReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
