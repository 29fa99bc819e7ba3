//go:build !unix

package testapp

import "errors"

// lockFile: no shared cache where flock is missing; set no CacheEnv there.
func lockFile(string) (func(), error) {
	return nil, errors.New("no file locks on this system: unset " + CacheEnv)
}
