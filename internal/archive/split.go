package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Split and multi-volume archives are not read: a volume alone is not an
// archive, and joining volumes would mean finding and ordering sibling
// files, which a walk of one input does not do. Every volume is reported
// as a problem instead, so that none is passed over: by its name
// (x.7z.001, x.tar.gz.002, the x.z01 parts of a spanned zip, the x.r00
// parts of an old-style rar set) or, when its name looks whole, by what
// its header says (a zip whose end record names a disk other than the
// first, a rar whose main header has the volume flag).

// splitPart returns the kind of split volume name is (case-insensitive),
// or "" when it names none: "x.7z.001" and other archive or compressed
// names followed by a number of three or more digits, "x.z01" (a spanned
// zip's part) and "x.r00" (an old-style rar volume).
func splitPart(name string, isData func(string) bool) string {
	// The dot is found in name itself: strings.ToLower writes each byte
	// of invalid UTF-8 as U+FFFD, three bytes, so an index into the
	// lowered name is not one into name (name[:i] was then the whole
	// name, and classify and splitPart called each other until the
	// stack overflowed: FuzzKey).
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	ext := strings.ToLower(name[i+1:])
	switch {
	case len(ext) >= 3 && digits(ext):
		if c := classify(name[:i], isData); c.kind.archive() || c.comp != nil {
			return "split"
		}
	case len(ext) >= 3 && ext[0] == 'z' && digits(ext[1:]):
		return "zip"
	case len(ext) >= 3 && ext[0] == 'r' && digits(ext[1:]):
		return "rar"
	}
	return ""
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// splitError is the problem of a volume named as splitPart says.
func splitError(part string) error {
	switch part {
	case "zip":
		return unsupported("part of a split (spanned) zip archive: split archives are not read; join the parts into one zip first (zip -s 0 NAME.zip --out whole.zip)", nil)
	case "rar":
		return unsupported("volume of a multi-volume rar archive: multi-volume archives are not read; extract the set with unrar and analyze the files", nil)
	}
	return unsupported("part of a split archive: split archives are not read; join the parts in order into one file first (cat NAME.001 NAME.002 ... > NAME)", nil)
}

// errZipSplit is the problem of a zip whose end record says that it is
// one part of a split (spanned) zip.
func zipSplitError(disk uint32) error {
	return unsupported(fmt.Sprintf("part %d of a split (spanned) zip archive: split archives are not read; join the parts into one zip first (zip -s 0 NAME.zip --out whole.zip)", disk+1), nil)
}

// zipSplit reads the end of central directory record of the zip r (of
// size bytes) and returns the problem of a split zip when the record
// names a disk other than the first (or, in zip64, more than one disk),
// else nil. A zip without a findable record is left to the zip reader.
func zipSplit(r io.ReaderAt, size int64) error {
	const (
		eocdLen  = 22
		locLen   = 20
		maxBack  = eocdLen + 0xffff
		eocdSig  = "PK\x05\x06"
		loc64Sig = "PK\x06\x07"
	)
	n := min(size, maxBack+locLen)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read zip end record: %w", err)
	}
	// The last record whose comment ends the file.
	i := len(buf) - eocdLen
	for ; i >= 0; i-- {
		if string(buf[i:i+4]) == eocdSig && i+eocdLen+int(binary.LittleEndian.Uint16(buf[i+20:])) == len(buf) {
			break
		}
	}
	if i < 0 {
		return nil
	}
	disk := uint32(binary.LittleEndian.Uint16(buf[i+4:]))
	cdDisk := uint32(binary.LittleEndian.Uint16(buf[i+6:]))
	if disk == 0xffff || cdDisk == 0xffff {
		// zip64: the locator before the record has the number of disks.
		if i >= locLen && string(buf[i-locLen:i-locLen+4]) == loc64Sig {
			if disks := binary.LittleEndian.Uint32(buf[i-locLen+16:]); disks > 1 {
				return zipSplitError(disks - 1)
			}
		}
		return nil
	}
	if disk != 0 || cdDisk != 0 {
		return zipSplitError(disk)
	}
	return nil
}

// rarSignatures are the RAR 1.5 and RAR 5.0 signatures.
var (
	rar15Signature = []byte("Rar!\x1a\x07\x00")
	rar50Signature = []byte("Rar!\x1a\x07\x01\x00")
)

// checkRar fails unless br starts with a RAR signature, and fails with
// a plain problem when the main header says that the archive is a volume
// of a multi-volume set. rardecode v2.2.0 searches for the signature and
// loops forever on input that has none (nwaples/rardecode#51), so a rar
// is only handed over when it starts with one; self-extracting archives
// are not supported.
func checkRar(br *bufio.Reader) error {
	head, _ := br.Peek(64)
	switch {
	case bytes.HasPrefix(head, rar50Signature):
		if vol, ok := rar5Volume(head[len(rar50Signature):]); ok {
			return rarVolumeError(vol)
		}
	case bytes.HasPrefix(head, rar15Signature):
		// RAR 1.5-4.x main header: CRC (2), type 0x73 (1), flags (2);
		// flag 0x0001 is "volume".
		h := head[len(rar15Signature):]
		if len(h) >= 5 && h[2] == 0x73 && binary.LittleEndian.Uint16(h[3:])&0x0001 != 0 {
			return rarVolumeError(-1)
		}
	default:
		return errors.New("not a rar archive: no RAR signature at its start")
	}
	return nil
}

// rar5Volume parses the RAR 5.0 main archive header at the start of h
// (the bytes after the signature) and returns whether it has the volume
// flag, with the volume's number (0 for the first; -1 when unknown).
func rar5Volume(h []byte) (int, bool) {
	r := bytes.NewReader(h)
	if _, err := r.Seek(4, io.SeekStart); err != nil { // header CRC32
		return 0, false
	}
	vint := func() uint64 {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 1 << 63
		}
		return v
	}
	_ = vint() // header size
	if vint() != 1 {
		return 0, false // not a main archive header
	}
	flags := vint()
	if flags&0x1 != 0 {
		_ = vint() // extra area size
	}
	if flags&0x2 != 0 {
		_ = vint() // data size
	}
	arcFlags := vint()
	if arcFlags == 1<<63 || arcFlags&0x1 == 0 {
		return 0, false
	}
	vol := 0
	if arcFlags&0x2 != 0 {
		if v := vint(); v < 1<<31 {
			vol = int(v)
		} else {
			vol = -1
		}
	}
	return vol, true
}

// rarVolumeError is the problem of a rar volume; vol is its number (0 for
// the first volume, -1 when unknown).
func rarVolumeError(vol int) error {
	what := "volume"
	if vol >= 0 {
		what = "volume " + strconv.Itoa(vol+1)
	}
	return unsupported(what+" of a multi-volume rar archive: multi-volume archives are not read; extract the set with unrar and analyze the files", nil)
}
