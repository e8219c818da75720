package transport

import "time"

// graphql-transport-ws message types (enisdenjo/graphql-ws PROTOCOL.md)
// beyond the shared ones.
const (
	msgSubscribe = "subscribe"
	msgNext      = "next"
	msgPing      = "ping"
	msgPong      = "pong"
)

// transportWS is the graphql-transport-ws subprotocol.
var transportWS = dialect{
	next:      msgNext,
	keepAlive: frame(msgPing, nil, nil),
	handle:    handleTransportWS,
}

// handleTransportWS applies PROTOCOL.md to one client message. Every rule it
// breaks closes the socket with the code the protocol names.
func handleTransportWS(c *wsConn, m inbound) error {
	switch m.Type {
	case msgConnectionInit:
		return c.initialise(m)
	case msgPing:
		payload, err := m.ObjectPayload()
		if err != nil {
			return closeWith(CloseBadRequest, "%s", err.Error())
		}
		if payload == nil {
			c.send(nil, frame(msgPong, nil, nil))
		} else {
			c.send(nil, frame(msgPong, nil, m.payload)) // echoed as received
		}
		return nil
	case msgPong:
		// An unsolicited pong is a one-way heartbeat; reading it already
		// refreshed the deadline.
		if _, err := m.ObjectPayload(); err != nil {
			return closeWith(CloseBadRequest, "%s", err.Error())
		}
		return nil
	case msgSubscribe:
		received := time.Now()
		id, params, err := c.operationRequest(m)
		if err != nil {
			return err
		}
		return c.start(id, params, received)
	case msgComplete:
		id, err := m.ID()
		if err != nil {
			return closeWith(CloseBadRequest, "%s", err.Error())
		}
		c.stop(id)
		return nil
	default:
		return closeWith(CloseBadRequest, "Unexpected message of type %s received", m.Type)
	}
}
