package sink

// RecordRejecter is an optional interface of a RecordSource, for a sink
// that learns a record is bad only when the database refuses it (a value
// too long for its column, a NULL into NOT NULL), after it has read the
// record: it says where each record comes from, and sets aside records
// the database refused as the source sets aside records it cannot
// convert. A sink finds it by type assertion.
type RecordRejecter interface {
	// Record returns the source's record number (as problems and the
	// rejects file give it) of the current record.
	Record() int64
	// Reject sets aside the record numbered record, which the database
	// refused for reason, and counts it in Rejected. When no more records
	// may be set aside it returns an error naming the record, which the
	// load must fail with.
	Reject(record int64, reason error) error
}
