package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// Batches and refused rows.
//
// go-ora sends an array INSERT in Oracle's batch-error mode: the rows the
// database accepts stay inserted, and go-ora returns the first error only,
// without saying which row it was. So every batch runs after a SAVEPOINT.
// When the database refuses a row's values (rowError: a value too long or
// too large for its column, a NULL into NOT NULL, a constraint), the
// batch is rolled back to the savepoint and bisected: each half is sent
// again after a savepoint of its own, down to single rows. A refused row
// is set aside through sink.RecordRejecter (the rejects file, within
// --max-bad-rows) with its source record number, or fails the load with
// that number; the rows around it are inserted once. Any other error
// fails the load at once, and the transaction's rollback undoes it all.
//
// A batch ends at batchRows rows, at maxBatchBytes bytes of values, or at
// lobBatchRows rows when the table has a LOB column (go-ora writes every
// value of a LOB batch that holds one long value as a temporary LOB, one
// round trip each).
const (
	savepointSQL  = "SAVEPOINT siftload_batch"
	rollbackToSQL = "ROLLBACK TO SAVEPOINT siftload_batch"

	maxBatchBytes = 4 << 20
	lobBatchRows  = 100
)

// rowErrors are the Oracle errors that refuse one row's values.
var rowErrors = map[int]bool{
	1:     true, // unique constraint violated (a DBA's key)
	1400:  true, // cannot insert NULL
	1438:  true, // value larger than specified precision
	1461:  true, // can bind a LONG value only for insert into a LONG column
	1722:  true, // invalid number
	2290:  true, // check constraint violated
	2291:  true, // integrity constraint violated: parent key not found
	12899: true, // value too large for column
	1841:  true, // (full) year must be between -4713 and +9999
	1866:  true, // the datetime class is invalid
	1878:  true, // specified field not found in datetime or interval
	1883:  true, // overlap was disabled during a region transition
}

// rowError reports whether err is the database refusing a row's values.
func rowError(err error) bool { return rowErrors[oraCode(err)] }

// writer sends batches within a load's transaction.
type writer struct {
	insert execFunc // the INSERT, one array per column
	// sql runs SAVEPOINT and ROLLBACK TO SAVEPOINT; nil: batches run
	// without savepoints and a refused row fails the load.
	sql sqlsink.ExecFunc
	// rj sets refused rows aside; nil: a refused row fails the load.
	rj sink.RecordRejecter
	// scales are the NUMBER(p,s) scales of the job's columns (see
	// checkScales); nil: none.
	scales []sql.NullInt64
}

// write inserts b's rows and returns how many it inserted (b.n less the
// rows set aside). done is the number of the file's rows sent before b,
// which numbers rows when there is no RecordRejecter.
func (w *writer) write(ctx context.Context, b *batch, done int64) (int64, error) {
	if w.sql == nil {
		return w.send(ctx, b, 0, b.n)
	}
	return w.bisect(ctx, b, 0, b.n, done)
}

// send inserts rows lo to hi-1 of b.
func (w *writer) send(ctx context.Context, b *batch, lo, hi int) (int64, error) {
	args := b.args()
	if lo != 0 || hi != b.n {
		for i, a := range args {
			args[i] = reflect.ValueOf(a).Slice(lo, hi).Interface()
		}
	}
	n, err := w.insert(ctx, args)
	if err != nil {
		return 0, err
	}
	if n != int64(hi-lo) {
		return 0, fmt.Errorf("the database reports %d rows inserted, want %d", n, hi-lo)
	}
	return n, nil
}

// bisect inserts rows lo to hi-1 of b after a savepoint, and when the
// database refuses one of them, rolls back to it and inserts each half
// the same way.
func (w *writer) bisect(ctx context.Context, b *batch, lo, hi int, done int64) (int64, error) {
	if err := w.sql(ctx, savepointSQL); err != nil {
		return 0, fmt.Errorf("savepoint: %w", err)
	}
	n, err := w.send(ctx, b, lo, hi)
	if err == nil || !rowError(err) {
		return n, err
	}
	if rerr := w.rollbackTo(ctx); rerr != nil {
		return 0, errors.Join(err, rerr)
	}
	if hi-lo > 1 {
		mid := lo + (hi-lo)/2
		n1, err := w.bisect(ctx, b, lo, mid, done)
		if err != nil {
			return n1, err
		}
		n2, err := w.bisect(ctx, b, mid, hi, done)
		return n1 + n2, err
	}
	if w.rj == nil || b.recs == nil {
		return 0, fmt.Errorf("row %d: %w", done+int64(lo)+1, err)
	}
	rec := b.recs[lo]
	if rerr := w.rj.Reject(rec, fmt.Errorf("the database refused it: %w", err)); rerr != nil {
		return 0, rerr
	}
	return 0, nil
}

// rollbackTo rolls back to the batch's savepoint, under a context of its
// own: after ctx is cancelled the transaction is rolled back whole anyway.
func (w *writer) rollbackTo(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sqlsink.RollbackTimeout)
	defer cancel()
	if err := w.sql(ctx, rollbackToSQL); err != nil {
		return fmt.Errorf("rollback to savepoint: %w", err)
	}
	return nil
}

// track notes the row b.add has just added: its source record number and
// its size in bytes.
func (b *batch) track(rj sink.RecordRejecter, vals []any) {
	if rj != nil {
		b.recs = append(b.recs, rj.Record())
	}
	b.bytes += rowBytes(vals)
}

// full reports whether b should be sent before another row is added.
func (b *batch) full(batchRows int) bool {
	if b.n >= batchRows || b.bytes >= maxBatchBytes {
		return true
	}
	for _, c := range b.cols {
		if c.lob {
			return b.n >= lobBatchRows
		}
	}
	return false
}

// untrack forgets the tracked rows, with reset.
func (b *batch) untrack() {
	b.recs, b.bytes = b.recs[:0], 0
}

// rowBytes is about how many bytes a row's values take in a bind.
func rowBytes(vals []any) int {
	n := 0
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			n += len(x)
		case time.Time:
			n += 13
		default:
			n += 22
		}
	}
	return n
}

// A DBA's NUMBER(p,s) column rounds a value with more than s decimal
// places to s of them, silently (and one with s < 0 to tens, hundreds,
// ...); a TIMESTAMP(f) column rounds fractional seconds to f digits.
// siftload refuses such a value instead: the record fails its file, or
// goes to the rejects file within --max-bad-rows. Too many integer digits
// fail in the database (ORA-01438) and are found by bisecting.

// zeroPlaces is decimalPlaces of zero.
const zeroPlaces = -1 << 30

// scaleLimits returns the scale of each of job's columns in the table
// (not Valid when it has none).
func scaleLimits(job sink.LoadJob, cols []column) []sql.NullInt64 {
	scales := make([]sql.NullInt64, len(job.Table.Columns))
	for i, jc := range job.Table.Columns {
		for _, c := range cols {
			if c.Name == jc.Name {
				scales[i] = c.scale
			}
		}
	}
	return scales
}

// checkScales returns an error when a decimal value of vals has more
// decimal places, or a timestamp more fractional digits, than its column
// keeps.
func checkScales(cols []schema.Column, scales []sql.NullInt64, vals []any) error {
	for i, sc := range scales {
		if !sc.Valid || i >= len(vals) || i >= len(cols) {
			continue
		}
		switch v := vals[i].(type) {
		case string:
			if cols[i].Type != schema.Decimal {
				continue
			}
			if p := decimalPlaces(v); int64(p) > sc.Int64 {
				return fmt.Errorf("column %s: %s has %d decimal places, the column's NUMBER scale is %d: Oracle would round it", cols[i].Name, v, p, sc.Int64)
			}
		case time.Time:
			if cols[i].Type != schema.Timestamp && cols[i].Type != schema.TimestampTZ {
				continue
			}
			if p := fractionDigits(v); int64(p) > sc.Int64 {
				return fmt.Errorf("column %s: %s has %d fractional second digits, the column is TIMESTAMP(%d): Oracle would round it", cols[i].Name, v.Format(time.RFC3339Nano), p, sc.Int64)
			}
		}
	}
	return nil
}

// fractionDigits returns how many digits t's fractional second needs.
func fractionDigits(t time.Time) int {
	ns := t.Nanosecond()
	if ns == 0 {
		return 0
	}
	n := 9
	for ns%10 == 0 {
		ns /= 10
		n--
	}
	return n
}

// decimalPlaces returns the position of the last significant digit of
// the canonical decimal s, as a scale: 2 for "1.25", 0 for "7", -2 for
// "1200"; zeroPlaces for zero, which every scale keeps.
func decimalPlaces(s string) int {
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		return len(frac)
	}
	trimmed := strings.TrimRight(intPart, "0")
	if strings.Trim(intPart, "0") == "" {
		return zeroPlaces
	}
	return -(len(intPart) - len(trimmed))
}
