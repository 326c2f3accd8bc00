package postgres

import (
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/siftload/siftload/internal/sink"
)

// connectError says once why a connection failed. pgconn repeats the
// answer of every attempt (with TLS, then without; every address of the
// host), each behind the user and database, which the redacted URL the
// caller prints names already; the first server error, or else the first
// network error, is the reason. A refused password when none was given
// is sink.ErrPasswordRequired: the server asked for one.
func connectError(err error, password bool) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01": // invalid_password
			if !password {
				return fmt.Errorf("%w: %w", sink.ErrPasswordRequired, pgErr)
			}
		case "3D000": // invalid_catalog_name
			return fmt.Errorf("%w (create it first, e.g. createdb, or CREATE DATABASE)", pgErr)
		}
		return pgErr
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) && !netErr.Timeout() {
		return netErr
	}
	return err
}
