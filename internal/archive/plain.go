package archive

import (
	"errors"
	"io"
	"strings"

	dsnet "github.com/dsnet/compress"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
	fastxz "github.com/mikelolasagasti/xz"
	"github.com/nwaples/rardecode/v2"
)

// ErrChecksum is the reason of the problem reported for a member or
// compressed file whose bytes do not match a checksum its format stores
// (7z, zip and rar CRC32, gzip CRC32 and size, bzip2 block and stream
// CRC, xz check, zstd content checksum). The errors wrap it.
var ErrChecksum = errors.New("archive: checksum mismatch")

// ErrUnsupported is the reason of the problem reported for an archive or
// member that a format's reader cannot read (a 7z block, a compression
// method, a split or multi-volume archive). The errors wrap it.
var ErrUnsupported = errors.New("archive: not supported")

// plainError is a library's error told in plain words. Its message is
// only the plain words; Unwrap gives the library's error (for errors.Is)
// and the reason (ErrChecksum, ErrUnsupported, or nil).
type plainError struct {
	msg    string
	reason error // ErrChecksum, ErrUnsupported or nil
	err    error // the library's error, nil when siftload found it
}

func (e *plainError) Error() string { return e.msg }

func (e *plainError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.reason, e.err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// checksumError says that the bytes of what did not match its checksum.
func checksumError(what string, err error) error {
	return &plainError{msg: "checksum mismatch (" + what + "): the data is corrupt", reason: ErrChecksum, err: err}
}

// unsupported says that what cannot be read.
func unsupported(msg string, err error) error {
	return &plainError{msg: msg, reason: ErrUnsupported, err: err}
}

// libraryMessages are errors of the format libraries that have no
// exported value to compare with, by their exact text, in plain words.
var libraryMessages = map[string]func(err error) error{
	// bodgit/sevenzip: blocks of the 7z format that it does not read.
	"sevenzip: TODO idArchiveProperties": func(err error) error {
		return unsupported("7z archive properties block is not supported", err)
	},
	"sevenzip: TODO idAdditionalStreamsInfo": func(err error) error {
		return unsupported("7z additional streams block is not supported", err)
	},
	"sevenzip: TODO idStartPos": func(err error) error {
		return unsupported("7z file start positions are not supported", err)
	},
	"sevenzip: TODO readUnpackInfo external": func(err error) error {
		return unsupported("7z header data stored outside the header is not supported", err)
	},
	"sevenzip: TODO readTimes external": func(err error) error {
		return unsupported("7z header data stored outside the header is not supported", err)
	},
	"sevenzip: TODO readNames external": func(err error) error {
		return unsupported("7z header data stored outside the header is not supported", err)
	},
	"sevenzip: TODO readAttributes external": func(err error) error {
		return unsupported("7z header data stored outside the header is not supported", err)
	},
	"sevenzip: unsupported compression algorithm": func(err error) error {
		return unsupported("7z compression method is not supported", err)
	},
	"sevenzip: checksum error": func(err error) error {
		return checksumError("7z header CRC32", err)
	},
}

// plain returns err told in plain words when it is (or wraps) an error of
// a format library that siftload knows, else err itself. The result wraps
// err, so errors.Is and errors.As still see the library's error.
func plain(err error) error {
	if err == nil {
		return nil
	}
	var pe *plainError
	if errors.As(err, &pe) {
		return err // told already
	}
	var ce dsnet.Error
	switch {
	case errors.Is(err, gzip.ErrChecksum):
		return checksumError("gzip CRC32 or size", err)
	case errors.Is(err, zstd.ErrCRCMismatch):
		return checksumError("zstd content checksum", err)
	case errors.Is(err, fastxz.ErrData):
		// The xz decoder gives one error for a failed check and for
		// other corruption.
		return &plainError{msg: "corrupt xz data or checksum mismatch (xz check)", reason: ErrChecksum, err: err}
	case errors.Is(err, fastxz.ErrUnsupportedCheck):
		return unsupported("xz integrity check type is not supported (only CRC32 and CRC64 are)", err)
	case errors.As(err, &ce) && ce.IsCorrupted() && strings.Contains(ce.Error(), "checksum"):
		return checksumError("bzip2 CRC", err)
	case errors.Is(err, zip.ErrChecksum):
		return checksumError("zip CRC32", err)
	case errors.Is(err, zip.ErrAlgorithm):
		return unsupported("zip compression method is not supported", err)
	case errors.Is(err, rardecode.ErrBadFileChecksum):
		return checksumError("rar CRC32", err)
	case errors.Is(err, rardecode.ErrUnknownDecoder), errors.Is(err, rardecode.ErrUnsupportedDecoder):
		return unsupported("rar compression version is not supported", err)
	case errors.Is(err, rardecode.ErrMultiVolume):
		return unsupported("member continues in the next volume of a multi-volume rar archive: multi-volume archives are not read", err)
	case errors.Is(err, errSevenZipEncrypted):
		return err
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if f, ok := libraryMessages[e.Error()]; ok {
			return f(err)
		}
	}
	return err
}

// plainReader tells the read errors of r in plain words (see plain).
type plainReader struct{ r io.Reader }

func (p plainReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF {
		err = plain(err)
	}
	return n, err
}
