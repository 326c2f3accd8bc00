package sitegen

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// found is a data file as the oracle read it, with the standard library
// only: archive/zip, archive/tar, compress/gzip and encoding/csv.
type found struct {
	source, key string
	rows        int64
	size        int64 // uncompressed bytes
	records     [][]string
	bom, crlf   bool
	utf16       bool
	delim       rune
}

// scan reads every archive under dir and returns its data files and the
// sources of the non-data members it skipped.
func scan(t testing.TB, dir string) (files []found, skipped []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return scanMember(t, filepath.ToSlash(p), p, bytes.NewReader(b), &files, &skipped)
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, skipped
}

// scanMember handles the file or member name (read from r) at source.
func scanMember(t testing.TB, source, name string, r io.Reader, files *[]found, skipped *[]string) error {
	switch {
	case strings.HasSuffix(name, ".zip"):
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, "/") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return err
			}
			err = scanMember(t, source+"!/"+f.Name, f.Name, rc, files, skipped)
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
	case strings.HasSuffix(name, ".tar.gz"):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			if err := scanMember(t, source+"!/"+h.Name, h.Name, tr, files, skipped); err != nil {
				return err
			}
		}
	}
	key := name
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		r, key = zr, strings.TrimSuffix(name, ".gz")
	}
	if !strings.HasSuffix(key, ".csv") {
		*skipped = append(*skipped, source)
		return nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f := found{source: source, key: key, size: int64(len(b)), delim: ','}
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) {
		f.utf16 = true
		u := make([]uint16, (len(b)-2)/2)
		for i := range u {
			u[i] = uint16(b[2+2*i]) | uint16(b[3+2*i])<<8
		}
		b = []byte(string(utf16.Decode(u)))
	} else if bytes.HasPrefix(b, []byte("\ufeff")) {
		f.bom = true
		b = b[3:]
	}
	header, _, _ := bytes.Cut(b, []byte("\n"))
	f.crlf = bytes.HasSuffix(header, []byte("\r"))
	if bytes.Contains(header, []byte(";")) && !bytes.Contains(header, []byte(",")) {
		f.delim = ';'
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comma = f.delim
	recs, err := cr.ReadAll()
	if err != nil {
		t.Errorf("%s: %v", source, err)
		return nil
	}
	if len(recs) == 0 {
		t.Errorf("%s: no header", source)
		return nil
	}
	f.rows, f.records = int64(len(recs)-1), recs[1:]
	*files = append(*files, f)
	return nil
}

// winners picks the winner of each key: most rows, on a tie the larger
// source.
func winners(files []found) map[string]found {
	best := map[string]found{}
	for _, f := range files {
		b, ok := best[f.key]
		if !ok || f.rows > b.rows || f.rows == b.rows && f.source > b.source {
			best[f.key] = f
		}
	}
	return best
}
