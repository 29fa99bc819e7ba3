// Command gridgov is the grid-based social governance platform: one binary
// for the server, the demo and the operators' commands.
package main

import (
	"context"
	"os"

	"github.com/gridgov/gridgov/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
