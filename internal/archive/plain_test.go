package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"testing"
)

// sevenZipWithArchiveProperties returns a 7z archive (plain header, made
// by the 7z command) whose header starts with an archive properties
// block, which the 7z format allows and 7-Zip never writes: header
// (0x01), archive properties (0x02), one property of type 0x24 and one
// byte, end (0x00); the start header's size and CRCs are made again.
func sevenZipWithArchiveProperties(tb testing.TB) []byte {
	tb.Helper()
	b := sevenZipOf(tb, []string{"-mx0", "-mhc=off"}, "a.csv", csv1)
	const startHeader = 12 // signature (6), version (2), start header CRC (4)
	off := binary.LittleEndian.Uint64(b[startHeader:])
	size := binary.LittleEndian.Uint64(b[startHeader+8:])
	next := 32 + int(off)
	if b[next] != 0x01 || next+int(size) != len(b) {
		tb.Fatalf("not a plain 7z header at %d: %#x", next, b[next])
	}
	header := slices.Concat([]byte{0x01, 0x02, 0x24, 0x01, 0x00, 0x00}, b[next+1:])
	out := slices.Concat(b[:next], header)
	binary.LittleEndian.PutUint64(out[startHeader+8:], uint64(len(header)))
	binary.LittleEndian.PutUint32(out[startHeader+16:], crc32.ChecksumIEEE(header))
	binary.LittleEndian.PutUint32(out[8:], crc32.ChecksumIEEE(out[startHeader:startHeader+20]))
	return out
}

// TestWalkUnsupported checks that what a format's reader cannot read is
// a problem in plain words, not the library's message.
func TestWalkUnsupported(t *testing.T) {
	tests := []walkTest{{
		Name: "SevenZipArchiveProperties",
		Files: func(tb testing.TB) []file {
			b := sevenZipWithArchiveProperties(tb)
			if out, ok := sevenZipTest(tb, b); !ok {
				tb.Fatalf("7z t refuses the archive:\n%s", out)
			}
			return []file{{Path: "site/a.7z", Data: b}}
		},
		WantProblems: []wantProblem{{"site/a.7z", "read archive: 7z archive properties block is not supported"}},
	}, {
		Name: "SevenZipPPMd",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.7z", Data: sevenZipOf(tb, []string{"-m0=PPMd"}, "a.csv", csv1)}}
		},
		WantProblems: []wantProblem{{"site/a.7z!/a.csv", "7z compression method is not supported"}},
	}, {
		Name: "SevenZipHeaderCRC",
		Files: func(tb testing.TB) []file {
			b := sevenZipOf(tb, []string{"-mx0", "-mhc=off"}, "a.csv", csv1)
			return []file{{Path: "site/a.7z", Data: flipped(b, -3)}} // in the plain header
		},
		WantProblems: []wantProblem{{"site/a.7z", "read archive: checksum mismatch (7z header CRC32)"}},
	}}
	for _, tt := range tests {
		tt.WantSkipped = -1
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}

// TestPlainKeepsLibraryError checks that a plain error still wraps the
// library's, for errors.Is.
func TestPlainKeepsLibraryError(t *testing.T) {
	lib := bytes.ErrTooLarge // any error
	err := plain(unsupported("x is not supported", lib))
	if err.Error() != "x is not supported" {
		t.Errorf("Error() = %q", err.Error())
	}
	for _, target := range []error{lib, ErrUnsupported} {
		if !errors.Is(err, target) {
			t.Errorf("plain error does not wrap %v", target)
		}
	}
}
