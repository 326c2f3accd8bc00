// Command siftload finds the fullest version of every data file across a
// site's snapshot archives and loads exactly those versions into a
// database, once. See internal/cli for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/siftload/siftload/internal/cli"
)

func main() {
	// The live heap stays a few MB (streams, fixed buffers), so a laxer GC
	// costs little memory and saves CPU on the load path: GOGC=400 made
	// the SQLite import of bench/run.sh's 1 GB plan 12-18% faster
	// (bench/RESULTS.md). An explicit GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Execute(ctx, os.Args[1:])
	code := exitCode(ctx, err) // before stop, which cancels ctx
	stop()
	os.Exit(code)
}

// exitCode is the one place that maps an outcome to an exit status:
// 0 ok, 1 problems or error, 2 usage, 130 interrupted.
func exitCode(ctx context.Context, err error) int {
	switch {
	case err == nil:
		return 0
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "siftload: interrupted")
		return 130
	case errors.Is(err, cli.ErrUsage):
		fmt.Fprintf(os.Stderr, "siftload: %v\n", err)
		return 2
	case errors.Is(err, cli.ErrProblems):
		// Already reported in detail; the summary said how many.
		return 1
	default:
		fmt.Fprintf(os.Stderr, "siftload: %v\n", err)
		return 1
	}
}
