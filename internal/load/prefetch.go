package load

import "github.com/siftload/siftload/internal/sink"

// batchValues is about how many values one prefetched batch holds: 1024
// rows of 8 columns, 128 KiB of interface values.
const batchValues = 8 << 10

// prefetchBatches is how many batches are in flight: one the sink reads,
// one the producer fills, one ready.
const prefetchBatches = 3

// prefetch is a sink.RecordSource that runs a source's Next (reading,
// inflating, hashing, parsing and converting) on a goroutine of its own, a
// few batches of records ahead of the sink, so that the conversion is off
// the sink's critical path: on two cores the database's inserts and the
// conversion overlap instead of taking turns.
//
// The records and the source's outcome are the same as the source's: the
// same values in the same order, then the source's error. Start it with
// newPrefetch and call stop once the sink is done with it (whether or not
// it read to the end): stop waits for the goroutine, so that the source's
// reader, valid only inside an Open callback, is no longer read when the
// callback returns, and src.rejects is then safe to read.
type prefetch struct {
	src  *source
	ncol int
	rows int // rows per batch

	ready chan *batch   // filled batches, in order; closed when src is done or stopped
	free  chan *batch   // batches the sink is done with
	quit  chan struct{} // closed by stop
	done  chan struct{} // closed when the goroutine has returned

	progress func(rows int64) // told of each batch handed to the sink; may be nil

	// Read by the sink's goroutine only.
	cur        *batch
	i          int // current row in cur
	err        error
	rejected   int64
	dbRejected int64 // records the sink set aside through Reject
}

// batch is a run of records' values, row after row.
type batch struct {
	vals     []any
	lines    []int64 // the source's record number of each row
	n        int     // rows in vals
	rejected int64   // src.Rejected() after the last of them
}

func newPrefetch(src *source, progress func(rows int64)) *prefetch {
	ncol := max(1, len(src.table.Columns))
	p := &prefetch{
		progress: progress,
		src:      src,
		ncol:     ncol,
		rows:     max(1, batchValues/ncol),
		ready:    make(chan *batch, prefetchBatches),
		free:     make(chan *batch, prefetchBatches),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	for range prefetchBatches {
		p.free <- &batch{vals: make([]any, p.rows*ncol), lines: make([]int64, p.rows)}
	}
	go p.produce()
	return p
}

// produce fills batches from src until src ends or stop is called.
func (p *prefetch) produce() {
	defer close(p.done)
	defer close(p.ready)
	for {
		var b *batch
		select {
		case b = <-p.free:
		case <-p.quit:
			return
		}
		b.n = 0
		for b.n < p.rows && p.src.Next() {
			vals, _ := p.src.Values() // a source's Values never fails
			copy(b.vals[b.n*p.ncol:(b.n+1)*p.ncol], vals)
			b.lines[b.n] = p.src.rd.RecordNumber()
			b.n++
		}
		b.rejected = p.src.Rejected()
		if b.n > 0 {
			select {
			case p.ready <- b:
			case <-p.quit:
				return
			}
		}
		if b.n < p.rows {
			return // src has ended
		}
	}
}

// Next advances to the next record; false at the end or on an error,
// which Err then returns.
func (p *prefetch) Next() bool {
	if p.cur != nil {
		if p.i++; p.i < p.cur.n {
			return true
		}
		clear(p.cur.vals) // let the values go
		p.free <- p.cur   // never blocks: there are prefetchBatches slots
		p.cur = nil
	}
	b, ok := <-p.ready
	if !ok {
		// The goroutine has closed ready: src is done, and ours to read.
		p.err, p.rejected = p.src.Err(), p.src.Rejected()
		return false
	}
	p.cur, p.i, p.rejected = b, 0, b.rejected
	if p.progress != nil {
		p.progress(int64(b.n))
	}
	return true
}

// Values returns the current record's values; see sink.RecordSource.
func (p *prefetch) Values() ([]any, error) {
	return p.cur.vals[p.i*p.ncol : (p.i+1)*p.ncol], nil
}

// Err returns the source's error once Next has returned false.
func (p *prefetch) Err() error { return p.err }

// Rejected returns the records set aside so far, by the source and
// through Reject; final once Next has returned false.
func (p *prefetch) Rejected() int64 { return p.rejected + p.dbRejected }

// Record returns the source's record number of the current record.
func (p *prefetch) Record() int64 { return p.cur.lines[p.i] }

// Reject sets aside a record the database refused; see
// sink.RecordRejecter.
func (p *prefetch) Reject(record int64, reason error) error {
	if err := p.src.reject(record, reason); err != nil {
		return err
	}
	p.dbRejected++
	return nil
}

// stop ends the goroutine and waits for it. It may be called more than
// once.
func (p *prefetch) stop() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	<-p.done
}

var (
	_ sink.RecordSource   = (*prefetch)(nil)
	_ sink.RecordRejecter = (*prefetch)(nil)
)
