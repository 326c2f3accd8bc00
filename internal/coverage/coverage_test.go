package coverage

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/record"
)

// writeZip writes a zip at path with the given members (name, content).
func writeZip(t testing.TB, path string, members ...string) {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(members); i += 2 {
		w, err := zw.Create(members[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(members[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTarGz writes a tar.gz at path with the given members (name,
// content).
func writeTarGz(t testing.TB, path string, members ...string) {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for i := 0; i+1 < len(members); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Name: members[i], Mode: 0o644, Size: int64(len(members[i+1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(members[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rows returns a CSV with header "month,value" and one record per month
// from first to last (1-12).
func months(first, last int) string {
	var b strings.Builder
	b.WriteString("month,value\n")
	for m := first; m <= last; m++ {
		fmt.Fprintf(&b, "2023-%02d,%d\n", m, m*10)
	}
	return b.String()
}

// check writes the chosen version and the others each into a zip
// snapshot of its own (data/X.csv) and returns the missing count of
// every other version in order, -1 for one not checked.
func check(t testing.TB, opts Options, chosen string, others ...string) ([]int64, []Result) {
	t.Helper()
	dir := t.TempDir()
	src := func(i int) string {
		return filepath.ToSlash(filepath.Join(dir, fmt.Sprintf("snap-%02d.zip", i))) + "!/data/X.csv"
	}
	writeZip(t, filepath.Join(dir, "snap-00.zip"), "data/X.csv", chosen)
	k := Key{Key: "data/X.csv", Chosen: src(0)}
	for i, o := range others {
		writeZip(t, filepath.Join(dir, fmt.Sprintf("snap-%02d.zip", i+1)), "data/X.csv", o)
		k.Others = append(k.Others, src(i+1))
	}
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	res, probs, err := Check(context.Background(), ins, []Key{k}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Fatalf("problems: %v", probs)
	}
	if len(res) != 1 || len(res[0].Versions) != len(others) {
		t.Fatalf("results %+v, want one key with %d versions", res, len(others))
	}
	got := make([]int64, len(others))
	for i, v := range res[0].Versions {
		if v.Source != src(i+1) {
			t.Fatalf("version %d is %s, want %s", i, v.Source, src(i+1))
		}
		got[i] = v.Missing
		if !v.Checked {
			got[i] = -1
		}
	}
	return got, res
}

func TestMissing(t *testing.T) {
	utf16le := func(s string) string {
		b := []byte{0xff, 0xfe}
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return string(b)
	}
	tests := []struct {
		Name   string
		Opts   Options
		Chosen string
		Others []string
		Want   []int64 // -1: not checked
	}{{
		Name:   "Rotation",
		Chosen: months(4, 12),
		Others: []string{months(1, 6)},
		Want:   []int64{3},
	}, {
		Name:   "EditedRow",
		Chosen: "month,value\n2023-01,10\n2023-02,21\n2023-03,30\n",
		Others: []string{months(1, 3)},
		Want:   []int64{1},
	}, {
		Name:   "DeletedRow",
		Chosen: "month,value\n2023-01,10\n2023-03,30\n",
		Others: []string{months(1, 3)},
		Want:   []int64{1},
	}, {
		Name:   "ReorderedIdentical",
		Chosen: "month,value\n2023-03,30\n2023-01,10\n2023-02,20\n",
		Others: []string{months(1, 3)},
		Want:   []int64{0},
	}, {
		Name:   "HeaderOnlyOther",
		Chosen: months(1, 3),
		Others: []string{"month,value\n"},
		Want:   []int64{0},
	}, {
		Name:   "HeaderOnlyChosen",
		Chosen: "month,value\n",
		Others: []string{months(1, 3)},
		Want:   []int64{3},
	}, {
		Name:   "EmptyOther",
		Chosen: months(1, 3),
		Others: []string{""},
		Want:   []int64{0},
	}, {
		Name:   "ColumnsReordered",
		Chosen: months(1, 3),
		Others: []string{"value,month\n10,2023-01\n20,2023-02\n99,2023-03\n"},
		Want:   []int64{1},
	}, {
		Name:   "ColumnRenamed",
		Chosen: months(1, 3),
		Others: []string{"month,amount\n2023-01,10\n"},
		Want:   []int64{-1},
	}, {
		Name:   "ColumnAdded",
		Chosen: months(1, 3),
		Others: []string{"month,value,note\n2023-01,10,x\n"},
		Want:   []int64{-1},
	}, {
		Name:   "HeaderTwiceName",
		Chosen: "a,a\n1,2\n",
		Others: []string{"a,a\n2,1\n"},
		Want:   []int64{1},
	}, {
		Name:   "NoHeaderFieldByField",
		Opts:   Options{Record: record.Options{NoHeader: true}},
		Chosen: "1,2\n3,4\n",
		Others: []string{"x,y\n1,2\n", "3,4\n"},
		Want:   []int64{1, 0},
	}, {
		Name:   "DuplicatesAreAMultiset",
		Chosen: "k\n1\n2\n",
		Others: []string{"k\n1\n1\n2\n", "k\n2\n1\n", "k\n3\n3\n"},
		Want:   []int64{1, 0, 2},
	}, {
		Name:   "QuotesAndLineEndings",
		Chosen: "a,b\n1,x\n2,\"y,z\"\n",
		Others: []string{"a,b\r\n\"1\",x\r\n2,\"y,z\"\r\n"},
		Want:   []int64{0},
	}, {
		Name:   "QuotedEmptyIsNotNull",
		Chosen: "a,b\n1,\n",
		Others: []string{"a,b\n1,\"\"\n", "a,b\n1,\n"},
		Want:   []int64{1, 0},
	}, {
		Name:   "DelimiterSniffedPerFile",
		Chosen: "a,b\n1,2\n3,4\n",
		Others: []string{"a;b\n1;2\n3;4\n5;6\n"},
		Want:   []int64{1},
	}, {
		Name:   "GivenDelimiter",
		Opts:   Options{Record: record.Options{Delimiter: ';'}},
		Chosen: "a;b\n1,2;3\n",
		Others: []string{"a;b\n1,2;3\n1;2\n"},
		Want:   []int64{1},
	}, {
		Name:   "BOMAndUTF16",
		Chosen: "a,b\nü,1\n",
		Others: []string{"\ufeffa,b\nü,1\n", utf16le("a,b\r\nü,1\r\nö,2\r\n")},
		Want:   []int64{0, 1},
	}, {
		Name:   "UnclosedQuoteCountsTheRecordsBefore",
		Chosen: "a\n1\n",
		Others: []string{"a\n1\n2\n\"3\n4\n"},
		Want:   []int64{1},
	}, {
		Name:   "QuotedNewlineInField",
		Chosen: "a,b\n1,\"x\ny\"\n",
		Others: []string{"a,b\n1,\"x\r\ny\"\n"},
		Want:   []int64{1},
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, _ := check(t, tt.Opts, tt.Chosen, tt.Others...)
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("missing = %v, want %v", got, tt.Want)
			}
		})
	}
}

func TestRowsAndReasons(t *testing.T) {
	_, res := check(t, Options{}, months(4, 12), months(1, 6), "month,amount\n1,2\n")
	v := res[0].Versions
	if !v[0].Checked || v[0].Rows != 6 || v[0].Missing != 3 {
		t.Errorf("rotation: got %+v, want 6 rows, 3 missing", v[0])
	}
	if v[1].Checked || v[1].Reason != ReasonHeader {
		t.Errorf("renamed column: got %+v, want not checked: %s", v[1], ReasonHeader)
	}
}

// site writes a site of several keys over zip and tar.gz snapshots and
// returns its inputs and keys.
func site(t testing.TB) ([]archive.Input, []Key) {
	t.Helper()
	dir := t.TempDir()
	var keys []Key
	names := []string{"a.csv", "b.csv", "c.csv", "d.csv", "e.csv"}
	for s := range 6 {
		var members []string
		for i, n := range names {
			// Key i rotates with a window of 20+i rows that moves by
			// s*(i+1); the last snapshot is chosen.
			var b strings.Builder
			b.WriteString("id,v\n")
			for r := s * (i + 1); r < s*(i+1)+20+i; r++ {
				fmt.Fprintf(&b, "%d,%s\n", r, strings.Repeat("x", r%7))
			}
			members = append(members, "data/"+n, b.String())
		}
		name := fmt.Sprintf("snap-%d.zip", s)
		if s%2 == 1 {
			name = fmt.Sprintf("snap-%d.tar.gz", s)
			writeTarGz(t, filepath.Join(dir, name), members...)
		} else {
			writeZip(t, filepath.Join(dir, name), members...)
		}
	}
	for i, n := range names {
		k := Key{Key: "data/" + n}
		for s := range 6 {
			name := fmt.Sprintf("snap-%d.zip", s)
			if s%2 == 1 {
				name = fmt.Sprintf("snap-%d.tar.gz", s)
			}
			src := filepath.ToSlash(filepath.Join(dir, name)) + "!/data/" + n
			if s == 5-i%2 {
				k.Chosen = src
			} else {
				k.Others = append(k.Others, src)
			}
		}
		keys = append(keys, k)
	}
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return ins, keys
}

// strip drops the site's directory from the results' sources.
func strip(res []Result) []Result {
	for i := range res {
		res[i].Chosen = filepath.Base(res[i].Chosen)
		for j := range res[i].Versions {
			res[i].Versions[j].Source = filepath.Base(res[i].Versions[j].Source)
		}
	}
	return res
}

func TestSameForAnyWorkersAndMemory(t *testing.T) {
	ins, keys := site(t)
	base, _, err := Check(context.Background(), ins, keys, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range base {
		for _, v := range r.Versions {
			if !v.Checked {
				t.Fatalf("%s not checked: %s", v.Source, v.Reason)
			}
			total += v.Missing
		}
	}
	if total == 0 {
		t.Fatal("the site has no missing rows: the test cannot fail")
	}
	// Key a.csv (i=0) chose snap-5: snapshot s holds rows s..s+19, so
	// snapshot s misses 5-s rows; 5+4+3+2+1.
	if got := base[0].Versions; got[0].Missing != 5 || got[4].Missing != 1 {
		t.Errorf("a.csv: got %+v, want 5 missing from snap-0 and 1 from snap-4", got)
	}
	for _, opts := range []Options{
		{Workers: 4},
		{Workers: 3, MemoryLimit: 1}, // every version spills
		{Workers: 2, MemoryLimit: hashSize * minBuffer * 4},
	} {
		got, _, err := Check(context.Background(), ins, keys, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, base) {
			t.Errorf("workers %d, memory %d: got %+v, want %+v", opts.Workers, opts.MemoryLimit, strip(got), strip(base))
		}
	}
}

func TestSpill(t *testing.T) {
	// Versions larger than a worker's buffer go to sorted runs; the
	// count is the same as in memory.
	var chosen, other strings.Builder
	chosen.WriteString("n\n")
	other.WriteString("n\n")
	for i := range 3*minBuffer + 17 {
		fmt.Fprintf(&chosen, "%d\n", i+100)
		fmt.Fprintf(&other, "%d\n", i)
	}
	for _, limit := range []int64{0, 1} {
		got, _ := check(t, Options{MemoryLimit: limit, Workers: 1}, chosen.String(), other.String())
		if got[0] != 100 {
			t.Errorf("memory limit %d: missing %d, want 100", limit, got[0])
		}
	}
}

func TestNotFound(t *testing.T) {
	dir := t.TempDir()
	writeZip(t, filepath.Join(dir, "a.zip"), "x.csv", "a\n1\n")
	writeZip(t, filepath.Join(dir, "b.zip"), "x.csv", "a\n1\n2\n")
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.ToSlash(filepath.Join(dir, "a.zip"))
	b := filepath.ToSlash(filepath.Join(dir, "b.zip"))
	keys := []Key{
		{Key: "x.csv", Chosen: a + "!/x.csv", Others: []string{b + "!/x.csv", b + "!/gone.csv"}},
		{Key: "y.csv", Chosen: a + "!/y.csv", Others: []string{b + "!/x.csv"}},
	}
	res, probs, err := Check(context.Background(), ins, keys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 2 || !errors.Is(probs[0].Err, ErrNotRead) || probs[0].Source != a+"!/y.csv" || probs[1].Source != b+"!/gone.csv" {
		t.Errorf("problems %v, want %s and %s not found", probs, a+"!/y.csv", b+"!/gone.csv")
	}
	want := []Version{
		{Source: b + "!/gone.csv", Reason: ReasonUnread},
		{Source: b + "!/x.csv", Checked: true, Rows: 2, Missing: 1},
	}
	if !reflect.DeepEqual(res[0].Versions, want) {
		t.Errorf("x.csv: got %+v, want %+v", res[0].Versions, want)
	}
	if v := res[1].Versions[0]; v.Checked || v.Reason != ReasonNoChosen {
		t.Errorf("y.csv: got %+v, want not checked: %s", v, ReasonNoChosen)
	}
}

func TestCancel(t *testing.T) {
	ins, keys := site(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Check(ctx, ins, keys, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestSortHashes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 47, 48, 49, 1000, 100000} {
		for _, kind := range []string{"Random", "FewHi", "Equal"} {
			h := make([]Hash, n)
			for i := range h {
				switch kind {
				case "Random":
					h[i] = Hash{r.Uint64(), r.Uint64()}
				case "FewHi": // equal Hi in places: Lo decides
					h[i] = Hash{r.Uint64N(3) << 60, r.Uint64()}
				case "Equal":
					h[i] = Hash{7, 7}
				}
			}
			want := slices.Clone(h)
			slices.SortFunc(want, func(a, b Hash) int { return a.Compare(b) })
			sortHashes(h)
			if !slices.Equal(h, want) {
				t.Errorf("%s, %d hashes: not sorted", kind, n)
			}
		}
	}
}

func TestDigests(t *testing.T) {
	digest := func(s string) Digest {
		sum := sha256.Sum256([]byte(s))
		return Digest{SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(s))}
	}
	var grown strings.Builder
	grown.WriteString("id,v\n")
	for i := 0; grown.Len() < 3*minPrefix; i++ {
		fmt.Fprintf(&grown, "%d,%s\n", i, strings.Repeat("x", i%50))
	}
	chosen := grown.String()
	cut := strings.IndexByte(chosen[minPrefix:], '\n') + minPrefix + 1
	prefix := chosen[:cut]                                    // ends in "\n": proven by digest
	midRecord := chosen[:cut+3]                               // ends inside a record: read
	small := chosen[:1+strings.Index(chosen[100:], "\n")+100] // under minPrefix: decoded and sniffed
	edited := "id,v\nedited\n" + prefix[len("id,v\n0,\n"):]
	tests := []struct {
		Name     string
		Other    string
		Digest   Digest // of Other unless set
		WantRows int64  // -1: not read
		WantMiss int64
	}{
		{Name: "Identical", Other: chosen, WantRows: -1},
		{Name: "IdenticalDigestIsTrusted", Other: "id,v\nnot,in,chosen\n", Digest: digest(chosen), WantRows: -1},
		{Name: "Prefix", Other: prefix, WantRows: -1},
		{Name: "PrefixEndingMidRecord", Other: midRecord, WantRows: int64(strings.Count(midRecord, "\n")), WantMiss: 1},
		{Name: "SmallPrefix", Other: small, WantRows: -1},
		{Name: "SameSizeOtherBytes", Other: edited, WantRows: int64(strings.Count(edited, "\n") - 1), WantMiss: 1},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			a := filepath.ToSlash(filepath.Join(dir, "a.zip")) + "!/x.csv"
			b := filepath.ToSlash(filepath.Join(dir, "b.zip")) + "!/x.csv"
			c := filepath.ToSlash(filepath.Join(dir, "c.zip")) + "!/x.csv"
			writeZip(t, filepath.Join(dir, "a.zip"), "x.csv", chosen)
			writeZip(t, filepath.Join(dir, "b.zip"), "x.csv", tt.Other)
			writeZip(t, filepath.Join(dir, "c.zip"), "x.csv", tt.Other)
			d := tt.Digest
			if d == (Digest{}) {
				d = digest(tt.Other)
			}
			ins, err := archive.Expand(context.Background(), []string{dir})
			if err != nil {
				t.Fatal(err)
			}
			res, probs, err := Check(context.Background(), ins, []Key{{Key: "x.csv", Chosen: a, Others: []string{b, c}}},
				Options{Digests: map[string]Digest{a: digest(chosen), b: d, c: d}})
			if err != nil || len(probs) > 0 {
				t.Fatalf("check: %v %v", err, probs)
			}
			for _, v := range res[0].Versions {
				if !v.Checked || v.Rows != tt.WantRows || v.Missing != tt.WantMiss {
					t.Errorf("%s: got %+v, want rows %d, missing %d", v.Source, v, tt.WantRows, tt.WantMiss)
				}
			}
		})
	}
}

// TestDigestsChangeNoCount: whatever the digests spare, every count is
// the count of a full read. The prefixes of files whose start reads
// otherwise than their whole (a delimiter sniffed otherwise, UTF-16, a
// BOM, quotes over a line end, CR line ends) are the hard cases.
func TestDigestsChangeNoCount(t *testing.T) {
	utf16be := func(s string) string {
		b := []byte{0xfe, 0xff}
		for _, r := range s {
			b = append(b, 0, byte(r))
		}
		return string(b)
	}
	// The whole sniffs ';' (41 records of 2), its first two records ','
	// (1 each, where ';' has 1 and 2).
	var sniffed strings.Builder
	sniffed.WriteString("a;b,c\n1;2;3,4\n")
	for i := range 40 {
		fmt.Fprintf(&sniffed, "%d;y;z\n", i)
	}
	chosens := map[string]string{
		"Sniff":  sniffed.String(),
		"UTF16":  utf16be("a,b\n1,2\n3,4\n5,6\n"),
		"BOM":    "\ufeffa,b\n1,2\n3,4\n",
		"Quotes": "a,b\n1,\"x\ny\"\n2,z\n\"3\n4\",w\n",
		"CR":     "a,b\r1,2\n3,4\r\n5,6\n",
	}
	for name, chosen := range chosens {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeZip(t, filepath.Join(dir, "c.zip"), "x.csv", chosen)
			key := Key{Key: "x.csv", Chosen: filepath.ToSlash(filepath.Join(dir, "c.zip")) + "!/x.csv"}
			digests := map[string]Digest{key.Chosen: {SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(chosen))), Bytes: int64(len(chosen))}}
			for i := 0; i < len(chosen)-1; i++ {
				if chosen[i] != '\n' {
					continue
				}
				prefix := chosen[:i+1]
				zipName := fmt.Sprintf("p%03d.zip", i)
				writeZip(t, filepath.Join(dir, zipName), "x.csv", prefix)
				src := filepath.ToSlash(filepath.Join(dir, zipName)) + "!/x.csv"
				key.Others = append(key.Others, src)
				digests[src] = Digest{SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(prefix))), Bytes: int64(len(prefix))}
			}
			ins, err := archive.Expand(context.Background(), []string{dir})
			if err != nil {
				t.Fatal(err)
			}
			full, _, err := Check(context.Background(), ins, []Key{key}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			spared, _, err := Check(context.Background(), ins, []Key{key}, Options{Digests: digests})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range spared[0].Versions {
				w := full[0].Versions[i]
				if v.Checked != w.Checked || v.Missing != w.Missing {
					t.Errorf("%s: with digests %+v, read in full %+v", v.Source, v, w)
				}
			}
		})
	}
}

// TestDigestsOnly: a key whose other versions all have the chosen
// version's digest reads nothing, even when the chosen version is gone.
func TestDigestsOnly(t *testing.T) {
	dir := t.TempDir()
	writeZip(t, filepath.Join(dir, "b.zip"), "x.csv", "a\n1\n")
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.ToSlash(filepath.Join(dir, "a.zip")) + "!/x.csv" // no such file
	b := filepath.ToSlash(filepath.Join(dir, "b.zip")) + "!/x.csv"
	d := Digest{SHA256: "00", Bytes: 4}
	res, probs, err := Check(context.Background(), ins, []Key{{Key: "x.csv", Chosen: a, Others: []string{b}}},
		Options{Digests: map[string]Digest{a: d, b: d}})
	if err != nil || len(probs) > 0 {
		t.Fatalf("check: %v %v", err, probs)
	}
	if want := (Version{Source: b, Checked: true, Rows: -1}); res[0].Versions[0] != want {
		t.Errorf("got %+v, want %+v", res[0].Versions[0], want)
	}
}
