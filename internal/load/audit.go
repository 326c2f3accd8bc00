package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// SourceCheck is what a source holds, read again after its load: its
// sha256, and the records a load into a table of the given columns would
// insert (their number and sink.Digest) or set aside.
type SourceCheck struct {
	SHA256   string
	Rows     int64 // records that convert, as a load inserts them
	Rejected int64 // records a load would set aside
	Digest   string
}

// CheckSource reads source (an archive locator relative to base) with
// open, as an import reads it (ro, limits), and converts its records to
// the types of cols, the columns of the table it was loaded into (matched
// to the file's header by name; SourceKeyColumn is ignored).
func CheckSource(ctx context.Context, open OpenFunc, base, source string, cols []schema.Column, ro record.Options, limits schema.Limits) (SourceCheck, error) {
	var sc SourceCheck
	byName := make(map[string]schema.Column, len(cols))
	for _, c := range cols {
		if c.Name != sink.SourceKeyColumn {
			byName[c.Name] = c
		}
	}
	err := open(ctx, base, source, func(r io.Reader) error {
		h := sha256.New()
		tee := io.TeeReader(ctxReader{ctx, r}, h)
		rd, err := record.NewReader(tee, ro)
		if err != nil {
			return err
		}
		var fileCols []schema.Column
		for _, n := range schema.ColumnNames(rd.Header()) {
			c, ok := byName[n]
			if !ok {
				return fmt.Errorf("the table has no column %s of the file", n)
			}
			fileCols = append(fileCols, c)
		}
		conv := schema.NewConverter(fileCols, limits)
		vals := make([]any, len(fileCols))
		var d sink.Digest
		for rd.Next() {
			rec := rd.Record()
			if len(rec) != len(fileCols) || conv.ConvertStrings(rec, rd.Quoted(), vals) != nil {
				sc.Rejected++
				continue
			}
			if err := d.Add(fileCols, vals); err != nil {
				return err
			}
			sc.Rows++
		}
		if err := rd.Err(); err != nil {
			return fmt.Errorf("record %d: %w", rd.RecordNumber(), err)
		}
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return err
		}
		sc.SHA256, sc.Digest = hex.EncodeToString(h.Sum(nil)), d.String()
		return nil
	})
	if err != nil {
		return SourceCheck{}, fmt.Errorf("read %s: %w", source, err)
	}
	return sc, nil
}
