package sqlite

import (
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// The insert's fast path: SQLite's C API on the connection under
// database/sql.
//
// database/sql and the driver cost more than SQLite itself when a load
// inserts rows: per batch database/sql converts and checks every argument,
// and the driver looks up every parameter's name, mallocs, copies and
// frees every text value and binds NULL to each afterwards. On the
// benchmark's 40 winners (670,324 rows of 8 columns) the insert's
// Stmt.ExecContext took 0.88 s of the import's 1.98 s of CPU, of which
// sqlite3_step 0.24 s (pprof of siftload import, see the package README).
// The fast path prepares the same multi-row INSERT with
// sqlite3_prepare_v2 on the same connection, inside the load's
// transaction, copies a batch's text into one C buffer it reuses, binds
// it with SQLITE_STATIC, and steps and resets the statement:
// BenchmarkInsert shows the difference.
//
// modernc.org/sqlite does not export its connection's handle, so rawOf
// reads the two fields that hold it, db (the sqlite3*) and tls (the
// libc.TLS every call runs on), by reflection. A driver whose connection
// no longer has them gives ok=false, and the load takes database/sql's
// path, which gives the same rows; TestRawConn fails so that the loss is
// seen.

// rawConn is a connection's SQLite handle and the TLS its calls run on.
// It is valid only inside the sql.Conn.Raw call that gave it, which holds
// the connection.
type rawConn struct {
	tls *libc.TLS
	db  uintptr // sqlite3*
}

var tlsType = reflect.TypeFor[*libc.TLS]()

// rawOf returns the handle of driverConn, a modernc.org/sqlite
// connection as sql.Conn.Raw passes it, or ok=false.
func rawOf(driverConn any) (rawConn, bool) {
	v := reflect.ValueOf(driverConn)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return rawConn{}, false
	}
	v = v.Elem()
	db, tls := v.FieldByName("db"), v.FieldByName("tls")
	if !db.IsValid() || db.Kind() != reflect.Uintptr || !tls.IsValid() || tls.Type() != tlsType || tls.IsNil() {
		return rawConn{}, false
	}
	c := rawConn{tls: (*libc.TLS)(tls.UnsafePointer()), db: uintptr(db.Uint())}
	return c, c.db != 0
}

// err returns the error of rc, worded as the driver words it.
func (c rawConn) err(rc int32) error {
	str := libc.GoString(lib.Xsqlite3_errstr(c.tls, rc))
	if msg := libc.GoString(lib.Xsqlite3_errmsg(c.tls, c.db)); msg != str {
		return fmt.Errorf("%s: %s (%d)", str, msg, rc)
	}
	return fmt.Errorf("%s (%d)", str, rc)
}

// cptr returns the C memory at p, allocated by modernc.org/libc outside
// the Go heap, as a *T. It reads p's bits as a pointer instead of
// converting the uintptr, which go vet's unsafeptr check cannot tell from
// a stale address of Go memory.
func cptr[T any](p uintptr) *T {
	return (*T)(*(*unsafe.Pointer)(unsafe.Pointer(&p)))
}

// rawStmt is a prepared statement of a rawConn.
type rawStmt struct {
	c     rawConn
	stmt  uintptr // sqlite3_stmt*
	nvars int
}

// prepare compiles query, one statement.
func (c rawConn) prepare(query string) (*rawStmt, error) {
	z, err := libc.CString(query)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, z)
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := lib.Xsqlite3_prepare_v2(c.tls, c.db, z, -1, pp, 0); rc != lib.SQLITE_OK {
		return nil, c.err(rc)
	}
	s := &rawStmt{c: c, stmt: *cptr[uintptr](pp)}
	if s.stmt == 0 {
		return nil, fmt.Errorf("prepare %.40q: no statement", query)
	}
	s.nvars = int(lib.Xsqlite3_bind_parameter_count(c.tls, s.stmt))
	return s, nil
}

// close finalizes the statement.
func (s *rawStmt) close() {
	if s.stmt != 0 {
		lib.Xsqlite3_finalize(s.c.tls, s.stmt)
		s.stmt = 0
	}
}

// arena is C memory that holds a batch's text while its statement runs:
// it is bound with SQLITE_STATIC, so SQLite reads it in place.
type arena struct {
	tls  *libc.TLS
	p    uintptr
	size int
}

// reserve makes room for n bytes, dropping what the arena held.
func (a *arena) reserve(n int) error {
	if n <= a.size && a.p != 0 {
		return nil // never a NULL pointer: SQLite binds that as NULL, not ""
	}
	a.free()
	size := max(n, 2*a.size, 64<<10)
	p := libc.Xmalloc(a.tls, libc.Tsize_t(size))
	if p == 0 {
		return fmt.Errorf("out of memory for %d bytes of text", size)
	}
	a.p, a.size = p, size
	return nil
}

func (a *arena) free() {
	if a.p != 0 {
		libc.Xfree(a.tls, a.p)
		a.p, a.size = 0, 0
	}
}

// exec binds args to s's parameters, in order, steps s to its end and
// resets it. args hold int64, float64, bool, string, []byte or nil (the
// values bind gives); text goes through text, which must stay until the
// statement is bound again or finalized.
func (s *rawStmt) exec(args []any, text *arena) error {
	if len(args) != s.nvars {
		return fmt.Errorf("%d values for %d parameters", len(args), s.nvars)
	}
	n := 0
	for i, v := range args {
		switch x := v.(type) {
		case nil, int64, float64, bool:
		case string:
			n += len(x)
		case []byte:
			n += len(x)
		default:
			// What database/sql would make of it (an int, a Valuer).
			cv, err := driver.DefaultParameterConverter.ConvertValue(v)
			if err != nil {
				return fmt.Errorf("value %d: %w", i+1, err)
			}
			args[i] = cv
			switch x := cv.(type) {
			case string:
				n += len(x)
			case []byte:
				n += len(x)
			}
		}
	}
	if err := text.reserve(n); err != nil {
		return err
	}
	tls, stmt := s.c.tls, s.stmt
	// Every call below enters the connection's mutex (the driver opens it
	// SQLITE_OPEN_FULLMUTEX). It is recursive: held here, each of them
	// only counts up and down, which took an eighth off the statement's
	// CPU time (13% in the scratch comparison in the README).
	mu := lib.Xsqlite3_db_mutex(tls, s.c.db)
	lib.Xsqlite3_mutex_enter(tls, mu)
	defer lib.Xsqlite3_mutex_leave(tls, mu)
	off := uintptr(0)
	for i, v := range args {
		idx := int32(i + 1)
		var rc int32
		switch x := v.(type) {
		case nil:
			rc = lib.Xsqlite3_bind_null(tls, stmt, idx)
		case int64:
			rc = lib.Xsqlite3_bind_int64(tls, stmt, idx, x)
		case float64:
			rc = lib.Xsqlite3_bind_double(tls, stmt, idx, x)
		case bool:
			var b int32
			if x {
				b = 1
			}
			rc = lib.Xsqlite3_bind_int(tls, stmt, idx, b)
		case string:
			if len(x) > math.MaxInt32 {
				return fmt.Errorf("value %d: text of %d bytes", i+1, len(x))
			}
			p := text.p + off
			copy(unsafe.Slice(cptr[byte](p), len(x)), x)
			off += uintptr(len(x))
			rc = lib.Xsqlite3_bind_text(tls, stmt, idx, p, int32(len(x)), 0)
		case []byte:
			if x == nil {
				rc = lib.Xsqlite3_bind_null(tls, stmt, idx) // as the driver binds it
				break
			}
			if len(x) > math.MaxInt32 {
				return fmt.Errorf("value %d: blob of %d bytes", i+1, len(x))
			}
			// A non-NULL pointer: an empty blob, not NULL.
			p := text.p + off
			copy(unsafe.Slice(cptr[byte](p), len(x)), x)
			off += uintptr(len(x))
			rc = lib.Xsqlite3_bind_blob(tls, stmt, idx, p, int32(len(x)), 0)
		default:
			return fmt.Errorf("value %d is a %T", i+1, v)
		}
		if rc != lib.SQLITE_OK {
			return s.c.err(rc)
		}
	}
	rc := lib.Xsqlite3_step(tls, stmt)
	var err error
	if rc != lib.SQLITE_DONE {
		err = s.c.err(rc) // before the reset, which may set another message
	}
	lib.Xsqlite3_reset(tls, stmt)
	return err
}
