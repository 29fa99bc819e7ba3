package testapp_test

import (
	"os"
	"testing"

	"github.com/gridgov/gridgov/internal/auth/password"
)

func TestMain(m *testing.M) {
	// Logins of unknown users verify against a dummy hash with the default
	// parameters (64 MiB each); fuzzing the login route needs them cheap.
	password.DefaultParams = password.TestParams
	os.Exit(m.Run())
}
