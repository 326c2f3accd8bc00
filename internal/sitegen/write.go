package sitegen

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// level is the Deflate level of zip members and gzip streams.
const level = 5

// writeSnapshot writes the archive of sp and returns its data files.
func (s *site) writeSnapshot(ctx context.Context, cw *csvWriter, sp *snapPlan) (out []written, err error) {
	name := filepath.Join(s.p.Dir, filepath.FromSlash(sp.rel))
	src := filepath.ToSlash(name) // as archive.Expand makes it
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	if cw.file == nil {
		cw.file = bufio.NewWriterSize(f, 256<<10)
	}
	bw := cw.file
	bw.Reset(f)
	if sp.tar {
		out, err = s.writeTarGz(ctx, cw, bw, sp, src)
	} else {
		out, err = s.writeZip(ctx, cw, bw, sp, src)
	}
	if err == nil {
		err = bw.Flush()
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Chtimes(name, sp.mtime(), sp.mtime())
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	return out, nil
}

func (s *site) writeZip(ctx context.Context, cw *csvWriter, w io.Writer, sp *snapPlan, src string) ([]written, error) {
	mt := sp.mtime()
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, cw.deflater)
	create := func(name string, method uint16) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: mt})
	}
	names := memberNames(sp.members)
	if len(sp.nested) > 0 {
		names = append(names, nestedMember)
	}
	for _, d := range dirs(names) {
		if _, err := create(d, zip.Store); err != nil {
			return nil, err
		}
	}
	var out []written
	for _, m := range sp.members {
		k := &s.keys[m.key]
		method := uint16(zip.Deflate)
		if m.gz {
			method = zip.Store // already compressed
		}
		zf, err := create(m.name, method)
		if err != nil {
			return nil, err
		}
		var rows, size int64
		if m.gz {
			gw, err := cw.newGzip(zf, path.Base(k.name), mt)
			if err != nil {
				return nil, err
			}
			if rows, size, err = cw.write(ctx, gw, k, m.rows, m.target); err != nil {
				return nil, err
			}
			if err := gw.Close(); err != nil {
				return nil, err
			}
		} else if rows, size, err = cw.write(ctx, zf, k, m.rows, m.target); err != nil {
			return nil, err
		}
		out = append(out, written{key: k.name, source: src + "!/" + m.name, rows: rows, size: size})
	}
	if len(sp.nested) > 0 {
		zf, err := create(nestedMember, zip.Store)
		if err != nil {
			return nil, err
		}
		nested, err := s.writeTarGz(ctx, cw, zf, &snapPlan{date: sp.date, members: sp.nested}, src+"!/"+nestedMember)
		if err != nil {
			return nil, err
		}
		out = append(out, nested...)
	}
	for _, x := range s.extras(sp, out) {
		zf, err := create(x.name, x.method)
		if err != nil {
			return nil, err
		}
		if _, err := zf.Write(x.data); err != nil {
			return nil, err
		}
	}
	return out, zw.Close()
}

func (s *site) writeTarGz(ctx context.Context, cw *csvWriter, w io.Writer, sp *snapPlan, src string) ([]written, error) {
	mt := sp.mtime()
	gw, err := cw.newGzip(w, "", mt)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gw)
	for _, d := range dirs(memberNames(sp.members)) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: mt}); err != nil {
			return nil, err
		}
	}
	var out []written
	for _, m := range sp.members {
		k := &s.keys[m.key]
		// A tar header needs the size first: measure, then write the
		// same bytes.
		rows, size, err := cw.write(ctx, io.Discard, k, m.rows, m.target)
		if err != nil {
			return nil, err
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: m.name, Mode: 0o644, Size: size, ModTime: mt}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, n, err := cw.write(ctx, tw, k, rows, 0); err != nil {
			return nil, err
		} else if n != size {
			return nil, fmt.Errorf("%s: wrote %d bytes after measuring %d", m.name, n, size)
		}
		out = append(out, written{key: k.name, source: src + "!/" + m.name, rows: rows, size: size})
	}
	for _, x := range s.extras(sp, out) {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: x.name, Mode: 0o644, Size: int64(len(x.data)), ModTime: mt}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(x.data); err != nil {
			return nil, err
		}
	}
	return out, errors.Join(tw.Close(), gw.Close())
}

// deflater is the zip Deflate compressor of cw's archives: one flate
// writer, reset for each member. A new one per member allocates about
// 1 MB; on a site of many tiny snapshots that was most of the time
// (BenchmarkGenerateManySmall). The output is the same.
func (cw *csvWriter) deflater(w io.Writer) (io.WriteCloser, error) {
	if cw.flate == nil {
		var err error
		cw.flate, err = flate.NewWriter(w, level)
		return cw.flate, err
	}
	cw.flate.Reset(w)
	return cw.flate, nil
}

// newGzip returns cw's gzip writer reset to write to w. The caller closes
// it before the next call: one gzip stream is open at a time (a nested
// tar.gz holds no .gz members).
func (cw *csvWriter) newGzip(w io.Writer, name string, mt time.Time) (*gzip.Writer, error) {
	if cw.gzip == nil {
		var err error
		if cw.gzip, err = gzip.NewWriterLevel(w, level); err != nil {
			return nil, err
		}
	} else {
		cw.gzip.Reset(w) // also clears the header
	}
	gw := cw.gzip
	gw.Header.Name = name
	gw.Header.ModTime = mt
	gw.Header.OS = 3 // Unix, whatever the host
	return gw, nil
}

func memberNames(members []memberPlan) []string {
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.name
	}
	return names
}

// extra is a small non-data member.
type extra struct {
	name   string
	method uint16
	data   []byte
}

// extras returns the non-data members of sp, given its data files.
func (s *site) extras(sp *snapPlan, files []written) []extra {
	var out []extra
	if sp.readme {
		out = append(out, extra{name: "README.pdf", method: zip.Store, data: fakePDF(s.p.Seed)})
	}
	if sp.manifest {
		type file struct {
			Name string `json:"name"`
			Rows int64  `json:"rows"`
		}
		man := struct {
			Snapshot string `json:"snapshot"`
			Exporter string `json:"exporter"`
			Files    []file `json:"files"`
		}{Snapshot: sp.date.Format(time.DateOnly), Exporter: "MES export 4.2"}
		for _, f := range files {
			man.Files = append(man.Files, file{Name: f.key, Rows: f.rows})
		}
		b, err := json.MarshalIndent(man, "", "  ")
		if err != nil {
			panic(err) // cannot happen: plain strings and numbers
		}
		out = append(out, extra{name: "manifest.json", method: zip.Deflate, data: append(b, '\n')})
	}
	return out
}

// fakePDF returns a few KB that start like a PDF and are binary inside.
func fakePDF(seed uint64) []byte {
	b := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 4096 /Filter /FlateDecode >>\nstream\n")
	g := rng{s: mix(seed ^ 0x9df)}
	for range 4096 / 8 {
		v := g.next()
		for j := range 8 {
			b = append(b, byte(v>>(8*j)))
		}
	}
	return append(b, "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"...)
}
