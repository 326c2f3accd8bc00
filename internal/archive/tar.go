package archive

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
)

// Tar entry types that are metadata about other entries or about the
// archive, never files: archive/tar folds pax ('x') and GNU long name and
// link ('L', 'K') headers into the entry they describe and returns the
// others.
const (
	tarTypeSolarisACL    = 'A' // Solaris access control list of the next entry
	tarTypeSolarisXattr  = 'X' // Solaris extended attributes (old pax draft)
	tarTypeGNUVolume     = 'V' // GNU volume label
	tarTypeGNULongNames  = 'N' // old GNU long names
	tarTypeGNUDumpDir    = 'D' // GNU incremental directory listing
	tarTypeStarInode     = 'I' // star inode metadata
	tarTypeGNUMultiVol   = 'M' // GNU continuation of a file from the previous volume
	tarTypeContiguous    = '7' // contiguous file: a regular file
	tarTypeGNUSparse     = 'S' // GNU sparse file: archive/tar expands it
	tarTypeRegularOldest = '\x00'
)

// tarKind sorts a tar entry: what it is for a walk.
type tarKind int

const (
	tarFile    tarKind = iota // a regular file
	tarSkip                   // metadata or a directory: not a member at all
	tarLink                   // hard or symbolic link
	tarSpecial                // device, FIFO: not a regular file
	tarPartial                // part of a file from another volume
	tarUnknown                // a type this reader does not know
)

func tarKindOf(typ byte) tarKind {
	switch typ {
	case tar.TypeReg, tarTypeRegularOldest, tarTypeContiguous, tarTypeGNUSparse:
		return tarFile
	case tar.TypeDir, tarTypeGNUDumpDir, tar.TypeXHeader, tar.TypeXGlobalHeader, tar.TypeGNULongName, tar.TypeGNULongLink,
		tarTypeSolarisACL, tarTypeSolarisXattr, tarTypeGNUVolume, tarTypeGNULongNames, tarTypeStarInode:
		return tarSkip
	case tar.TypeLink, tar.TypeSymlink:
		return tarLink
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return tarSpecial
	case tarTypeGNUMultiVol:
		return tarPartial
	}
	return tarUnknown
}

// extractTar calls handle for each member of the tar stream r, in stream
// order: every entry but metadata and directories (see tarKindOf). A
// member's reader is valid until handle returns. Each entry counts against
// Walker.MaxEntries. A header that cannot be read ends the stream (a tar
// has no index to find the next one by); an entry that cannot be read is
// its own problem.
func (w *Walker) extractTar(ctx context.Context, r io.Reader, st *extractState, handle func(context.Context, member) error) error {
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := w.addEntries(st, 1, ""); err != nil {
			return err
		}
		k := tarKindOf(h.Typeflag)
		if k == tarSkip {
			continue
		}
		name, ok := tarName(h.Name, w.NameEncoding)
		m := member{name: name, size: h.Size, mode: h.FileInfo().Mode() &^ fs.ModeType}
		if !ok {
			m.nameErr = errNameNotUTF8
		}
		switch k {
		case tarLink:
			m.link = true
		case tarSpecial:
			m.mode = h.FileInfo().Mode()
		case tarPartial:
			m.nameErr = fmt.Errorf("continuation of a file from another volume (tar entry type %q)", h.Typeflag)
		case tarUnknown:
			m.nameErr = fmt.Errorf("tar entry of unknown type %q", h.Typeflag)
		}
		m.open = func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }
		if err := handle(ctx, m); err != nil {
			return err
		}
	}
}
