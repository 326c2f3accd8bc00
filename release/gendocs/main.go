// Command gendocs writes siftload's man pages and shell completions to the
// directory given as its one argument (see cli.WriteDocs). release/release.sh
// runs it; it is no part of the siftload binary.
package main

import (
	"fmt"
	"os"

	"github.com/siftload/siftload/internal/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendocs DIR")
		os.Exit(2)
	}
	if err := cli.WriteDocs(os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}
