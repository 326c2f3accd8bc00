// Package testenv holds what tests share about their environment.
//
// A test that needs something the machine may lack (a database server, a
// NATS server, an archiver, python3) calls Skip when it is missing. On a
// developer's machine the test is then skipped; where
// SIFTLOAD_TEST_DISALLOW_SKIP is set (CI), Skip fails the test instead, so
// that a missing service never passes quietly (restic's internal/test does
// the same).
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// DisallowSkip is the environment variable that turns a Skip into a
// failure when it is set to anything but "".
const DisallowSkip = "SIFTLOAD_TEST_DISALLOW_SKIP"

// Skip skips tb with msg, or fails it when DisallowSkip is set. Like
// tb.Skip it does not return.
func Skip(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv(DisallowSkip) != "" {
		tb.Fatal(msg + " (and " + DisallowSkip + " forbids skipping)")
		return
	}
	tb.Skip(msg)
}

// Skipf is Skip with a formatted message.
func Skipf(tb testing.TB, format string, args ...any) {
	tb.Helper()
	Skip(tb, fmt.Sprintf(format, args...))
}

// SkipPart logs that a part of tb is skipped for want of msg's thing, or
// fails tb when DisallowSkip is set; the rest of the test runs on.
func SkipPart(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv(DisallowSkip) != "" {
		tb.Fatal(msg + " (and " + DisallowSkip + " forbids skipping)")
		return
	}
	tb.Log("part skipped: " + msg)
}
