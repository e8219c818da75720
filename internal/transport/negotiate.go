package transport

import (
	"mime"
	"strconv"
	"strings"
)

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// negotiate picks the response media type from an Accept header. It reports
// false when neither JSON type is acceptable. A missing Accept header or a
// wildcard means a legacy client: plain application/json.
func negotiate(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	var qJSON, qGQL float64 = -1, -1
	explicitGQL := false
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				q = v
			}
		}
		switch mt {
		case mediaGraphQLResponse:
			qGQL, explicitGQL = maxf(qGQL, q), true
		case mediaJSON:
			qJSON = maxf(qJSON, q)
		case "*/*", "application/*":
			qJSON = maxf(qJSON, q)
		}
	}
	switch {
	case explicitGQL && qGQL > 0 && qGQL >= qJSON:
		return mediaGraphQLResponse, true
	case qJSON > 0:
		return mediaJSON, true
	case qGQL > 0:
		return mediaGraphQLResponse, true
	}
	return "", false
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}
