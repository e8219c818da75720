package transport

import "time"

// Legacy graphql-ws (Apollo subscriptions-transport-ws) message types beyond
// the shared ones.
const (
	msgStart               = "start"
	msgStop                = "stop"
	msgConnectionTerminate = "connection_terminate"
	msgConnectionError     = "connection_error"
	msgData                = "data"
	msgKeepAlive           = "ka"
)

// legacyWS is the legacy graphql-ws subprotocol. It has no close codes of its
// own; BCS closes with the graphql-transport-ws codes for the same faults,
// after a connection_error saying what went wrong.
var legacyWS = dialect{
	next:            msgData,
	keepAlive:       frame(msgKeepAlive, nil, nil),
	connectionError: true,
	handle:          handleLegacy,
}

func handleLegacy(c *wsConn, m inbound) error {
	switch m.Type {
	case msgConnectionInit:
		if err := c.initialise(m); err != nil {
			return err
		}
		c.send(nil, c.dialect.keepAlive) // the first ka follows the ack
		return nil
	case msgStart:
		received := time.Now()
		id, params, err := c.operationRequest(m)
		if err != nil {
			return err
		}
		// Apollo's server replaces an operation started again with the same
		// id rather than rejecting it.
		c.stop(id)
		return c.start(id, params, received)
	case msgStop:
		id, err := m.ID()
		if err != nil {
			return closeWith(CloseBadRequest, "%s", err.Error())
		}
		c.stop(id)
		return nil
	case msgConnectionTerminate:
		c.close(1000, "", true)
		return nil
	default:
		return closeWith(CloseBadRequest, "Unexpected message of type %s received", m.Type)
	}
}
