package archive

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/bodgit/sevenzip"
)

// errSevenZipEncrypted is the error of reading 7z data that is encrypted
// (AES-256): siftload takes no passwords.
var errSevenZipEncrypted = errors.New("archive: 7z data is encrypted")

// sevenZipAES is the 7z method ID of AES-256 with a SHA-256 key.
var sevenZipAES = []byte{0x06, 0xf1, 0x07, 0x01}

// registerSevenZip makes bodgit/sevenzip refuse encrypted data. Without
// a password it would derive a key from the empty one and hand out the
// garbage that decrypts to: an encrypted stored member would then be
// read as data. The decompressor registered here fails instead, with
// errSevenZipEncrypted, for encrypted members and encrypted headers
// alike. The registry is the library's, for the whole process; siftload
// never reads encrypted 7z data, so nothing else needs the method.
var registerSevenZip = sync.OnceFunc(func() {
	sevenzip.RegisterDecompressor(sevenZipAES, func([]byte, uint64, []io.ReadCloser) (io.ReadCloser, error) {
		return nil, errSevenZipEncrypted
	})
})

// sevenZipCRC wraps open, which opens a 7z member, so that its reader
// checks the CRC32 that the archive's header stores for it (want; 0 when
// the header stores none). bodgit/sevenzip checks the CRCs of its headers
// but not those of members.
func sevenZipCRC(open func() (io.ReadCloser, error), want uint32) func() (io.ReadCloser, error) {
	if want == 0 {
		return open
	}
	return func() (io.ReadCloser, error) {
		rc, err := open()
		if err != nil {
			return nil, err
		}
		return &crcReader{rc: rc, want: want}, nil
	}
}

// crcReader checks that the bytes of rc have the CRC32 want: once rc
// ends, a mismatch is returned instead of io.EOF, and sticks.
type crcReader struct {
	rc   io.ReadCloser
	want uint32
	crc  uint32
	err  error
}

func (c *crcReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.rc.Read(p)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	if err == io.EOF && c.crc != c.want {
		err = checksumError(fmt.Sprintf("7z CRC32: the header says %08x, the member's bytes give %08x", c.want, c.crc), nil)
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

func (c *crcReader) Close() error { return c.rc.Close() }
