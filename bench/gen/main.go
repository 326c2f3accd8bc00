// Command gen writes a generated site of snapshot archives for
// benchmarks (see package sitegen):
//
//	go run ./bench/gen -dir /tmp/site -snapshots 60 -keys 40 -rows 8000 -columns 8 -seed 1 [-tar-every 5] [-tricky] [-one-big 2GiB] [-truth FILE]
//
// It prints one line (files, bytes on disk, time) to stdout. -truth writes
// the expected winners as CSV (key,source,rows) to FILE, which should be
// outside -dir so that it is not an input.
//
// Exit status: 0 ok, 1 error, 2 usage, 130 interrupted.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/siftload/siftload/internal/sitegen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	var usage usageError
	switch {
	case err == nil:
		return
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, &usage):
		if !usage.shown {
			fmt.Fprintln(os.Stderr, "gen:", err)
		}
		os.Exit(2)
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "gen: interrupted")
		os.Exit(130)
	default:
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// usageError is a command-line mistake; shown means the flag package has
// already printed it.
type usageError struct {
	error
	shown bool
}

// sizeFlag is a byte size that accepts forms like 2GiB, 500MB, 1048576.
type sizeFlag int64

func (s *sizeFlag) String() string { return strconv.FormatInt(int64(*s), 10) }

func (s *sizeFlag) Set(v string) error {
	n, err := humanize.ParseBytes(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

func run(ctx context.Context, args []string) error {
	var p sitegen.Params
	var oneBig sizeFlag
	var truthPath string
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.StringVar(&p.Dir, "dir", "", "output `directory` (created; must be empty)")
	fs.IntVar(&p.Snapshots, "snapshots", 60, "number of snapshot archives")
	fs.IntVar(&p.Keys, "keys", 40, "logical files per full snapshot")
	fs.IntVar(&p.Rows, "rows", 8000, "rows of each key in the last snapshot")
	fs.IntVar(&p.Columns, "columns", 8, "data columns (>= 5)")
	fs.Uint64Var(&p.Seed, "seed", 1, "random seed")
	fs.IntVar(&p.TarEvery, "tar-every", 0, "every Nth snapshot is a .tar.gz (0 = never)")
	fs.BoolVar(&p.Tricky, "tricky", false, "add the tricky cases (BOM, UTF-16, nested archive, ...)")
	fs.Var(&oneBig, "one-big", "pad one member to about this `size` (2GiB, 500MB; 0 = off)")
	fs.StringVar(&truthPath, "truth", "", "write the expected winners as CSV to `file` (outside -dir)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err, true}
	}
	if p.Dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return usageError{errors.New("need -dir and no arguments"), false}
	}
	p.OneBig = int64(oneBig)
	start := time.Now()
	truth, err := sitegen.Generate(ctx, p)
	if err != nil {
		return err
	}
	took := time.Since(start)
	files, size, err := sitegen.Count(p.Dir)
	if err != nil {
		return err
	}
	if truthPath != "" {
		if err := writeTruth(truthPath, truth); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d files, %d bytes (%s) on disk, %d keys, in %s\n",
		p.Dir, files, size, humanize.IBytes(uint64(size)), len(truth), took.Round(time.Millisecond))
	return nil
}

func writeTruth(name string, truth []sitegen.Truth) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"key", "source", "rows"})
	for _, t := range truth {
		w.Write([]string{t.Key, t.Source, strconv.FormatInt(t.Rows, 10)})
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
