package redorder_test

import (
	"encoding/json"
	"testing"
)

func marshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}
