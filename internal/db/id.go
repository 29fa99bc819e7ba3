package db

import (
	"time"

	"github.com/google/uuid"
)

// NewID makes a time-ordered UUIDv7: made in the application so that several
// nodes and distributed engines need no sequence.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Now is the current time in Unix milliseconds, the unit every table uses.
func Now() int64 { return time.Now().UnixMilli() }
