package model

import "time"

// Replica is one live `bcs serve` instance.
type Replica struct {
	ID           string
	Address      string
	Port         *int
	RegisteredAt time.Time
}
