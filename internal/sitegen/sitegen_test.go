package sitegen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// small is a quick site with every tricky case.
var small = Params{Snapshots: 12, Keys: 14, Rows: 120, Columns: 9, Seed: 7, TarEvery: 4, Tricky: true}

// gen generates p into a new directory under t.TempDir and returns it.
func gen(t testing.TB, p Params) (string, result) {
	t.Helper()
	p.Dir = filepath.Join(t.TempDir(), "site")
	r, err := generate(context.Background(), p)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return p.Dir, r
}

// hashes returns sha256 and mtime of every file under dir, by relative path.
func hashes(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:]) + " " + fi.ModTime().UTC().Format(time.RFC3339)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	p := small
	p.OneBig = 64 << 10
	a, ra := gen(t, p)
	b, rb := gen(t, p)
	ha, hb := hashes(t, a), hashes(t, b)
	if len(ha) != p.Snapshots {
		t.Errorf("got %d files, want %d", len(ha), p.Snapshots)
	}
	if !reflect.DeepEqual(ha, hb) {
		t.Errorf("same params, different files:\n%v\n%v", ha, hb)
	}
	for rel, h := range ha {
		day := regexp.MustCompile(`\d{4}-\d\d-\d\d`).FindString(rel)
		if want := day + "T23:30:00Z"; !strings.HasSuffix(h, want) {
			t.Errorf("%s: mtime %s, want %s", rel, h, want)
		}
	}
	strip := func(ts []Truth, dir string) []Truth {
		out := slices.Clone(ts)
		for i := range out {
			out[i].Source = strings.TrimPrefix(out[i].Source, filepath.ToSlash(dir))
		}
		return out
	}
	if !reflect.DeepEqual(strip(ra.truth, a), strip(rb.truth, b)) {
		t.Errorf("same params, different truth")
	}
	p.Seed++
	c, _ := gen(t, p)
	if hc := hashes(t, c); reflect.DeepEqual(ha, hc) {
		t.Errorf("seed %d and %d give the same files", p.Seed-1, p.Seed)
	}
}

func TestTruth(t *testing.T) {
	tests := []struct {
		Name string
		P    Params
	}{
		{"Plain", Params{Snapshots: 9, Keys: 7, Rows: 80, Columns: 5, Seed: 1}},
		{"OldBackupsAndTar", Params{Snapshots: 25, Keys: 9, Rows: 60, Columns: 12, Seed: 2, TarEvery: 3}},
		{"Tricky", small},
		{"TrickyAllTar", Params{Snapshots: 4, Keys: 11, Rows: 30, Columns: 7, Seed: 3, TarEvery: 1, Tricky: true}},
		{"OneBigZip", Params{Snapshots: 3, Keys: 2, Rows: 50, Columns: 8, Seed: 4, OneBig: 300 << 10}},
		{"OneBigTar", Params{Snapshots: 3, Keys: 2, Rows: 50, Columns: 8, Seed: 5, TarEvery: 1, OneBig: 300 << 10}},
		{"NoRows", Params{Snapshots: 2, Keys: 1, Rows: 0, Columns: 6, Seed: 6}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir, r := gen(t, tt.P)
			files, _ := scan(t, dir)
			want := winners(files)
			if len(r.truth) != len(want) || len(want) != tt.P.Keys {
				t.Errorf("truth has %d keys, oracle %d, params %d", len(r.truth), len(want), tt.P.Keys)
			}
			for _, tr := range r.truth {
				w := want[tr.Key]
				if tr.Source != w.source || tr.Rows != w.rows {
					t.Errorf("%s: truth %s (%d rows), oracle %s (%d rows)", tr.Key, tr.Source, tr.Rows, w.source, w.rows)
				}
				if !strings.HasPrefix(tr.Source, filepath.ToSlash(dir)+"/") {
					t.Errorf("%s: source %s not under %s", tr.Key, tr.Source, dir)
				}
			}
			if !slices.IsSortedFunc(r.truth, func(a, b Truth) int { return strings.Compare(a.Key, b.Key) }) {
				t.Errorf("truth not sorted by key")
			}
			var csvBytes int64
			for _, f := range files {
				csvBytes += f.size
				checkRecords(t, f, want[f.key], tt.P.Columns)
			}
			if csvBytes != r.csvBytes {
				t.Errorf("csv bytes %d, oracle %d", r.csvBytes, csvBytes)
			}
			if tt.P.OneBig > 0 {
				w := want["data/LINE01.csv"]
				if w.size < tt.P.OneBig || w.size > tt.P.OneBig+4096 || w.rows <= int64(tt.P.Rows) {
					t.Errorf("one big: %s has %d bytes, %d rows; want about %d bytes", w.source, w.size, w.rows, tt.P.OneBig)
				}
			}
		})
	}
}

var (
	tsRE    = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	batchRE = regexp.MustCompile(`^B\d{5}$`)
)

// checkRecords checks the columns of f and that f is a prefix of the
// winner of its key (cumulative exports).
func checkRecords(t testing.TB, f, winner found, columns int) {
	t.Helper()
	for i, rec := range f.records {
		if len(rec) != columns {
			t.Fatalf("%s: record %d has %d fields, want %d", f.source, i+1, len(rec), columns)
		}
		if !tsRE.MatchString(rec[0]) || !batchRE.MatchString(rec[2]) {
			t.Fatalf("%s: record %d: bad ts %q or batch %q", f.source, i+1, rec[0], rec[2])
		}
		if i > 0 && rec[0] <= f.records[i-1][0] {
			t.Fatalf("%s: record %d: ts %s not after %s", f.source, i+1, rec[0], f.records[i-1][0])
		}
		if !slices.Equal(rec, winner.records[i]) {
			t.Fatalf("%s: record %d = %q, but %s has %q", f.source, i+1, rec, winner.source, winner.records[i])
		}
	}
}

func TestTricky(t *testing.T) {
	dir, r := gen(t, small)
	files, skipped := scan(t, dir)
	last := filepath.ToSlash(dir) + "/2023/2023-01-11_export.zip!/"
	bySource := map[string]found{}
	for _, f := range files {
		bySource[f.source] = f
	}
	truth := map[string]Truth{}
	for _, tr := range r.truth {
		truth[tr.Key] = tr
	}
	has := func(source string, ok func(found) bool, what string) {
		t.Helper()
		f, found := bySource[source]
		switch {
		case !found:
			t.Errorf("no %s: %s", what, source)
		case !ok(f):
			t.Errorf("%s: not %s: %+v", source, what, f)
		}
	}
	has(last+"data/LINE03.csv", func(f found) bool { return f.bom && f.crlf && !f.utf16 }, "UTF-8 BOM and CRLF")
	has(last+"data/LINE04.csv", func(f found) bool { return f.delim == ';' }, "semicolon-delimited")
	has(last+"data/LINE05.csv", func(f found) bool { return f.utf16 && f.crlf }, "UTF-16LE with BOM")
	has(last+"extra/lines.tar.gz!/data/LINE09.csv", func(f found) bool { return f.key == "data/LINE09.csv" }, "nested tar.gz member")
	has(last+"data/LINE10.csv.gz", func(f found) bool { return f.key == "data/LINE10.csv" }, "gzip member")
	has(last+"data/LINE07.csv", func(f found) bool { return f.rows == 0 }, "header-only")
	for _, key := range []string{"data/LINE09.csv", "data/LINE10.csv"} {
		if tr := truth[key]; !strings.HasPrefix(tr.Source, last) || tr.Rows != int64(small.Rows) {
			t.Errorf("%s: winner %s (%d rows), want in %s with %d", key, tr.Source, tr.Rows, last, small.Rows)
		}
	}
	tie := last + "data/LINE06.csv"
	prev := filepath.ToSlash(dir) + "/2023/2023-01-10_export.zip!/data/LINE06.csv"
	if bySource[tie].rows != bySource[prev].rows || truth["data/LINE06.csv"].Source != tie {
		t.Errorf("tie: %s %d rows, %s %d rows, winner %s", prev, bySource[prev].rows, tie, bySource[tie].rows, truth["data/LINE06.csv"].Source)
	}
	if w := truth["data/LINE07.csv"]; w.Rows == 0 || strings.HasPrefix(w.Source, last) {
		t.Errorf("header-only: winner %s (%d rows), want an earlier snapshot", w.Source, w.Rows)
	}
	var manifests, readmes int
	for _, s := range skipped {
		switch {
		case strings.HasSuffix(s, "!/manifest.json"):
			manifests++
		case strings.HasSuffix(s, "!/README.pdf"):
			readmes++
		default:
			t.Errorf("unexpected non-data member %s", s)
		}
	}
	if manifests != small.Snapshots || readmes != 1 {
		t.Errorf("%d manifest.json and %d README.pdf, want %d and 1", manifests, readmes, small.Snapshots)
	}
	var cutLast, quotedNewline int
	for _, f := range files {
		if strings.HasPrefix(f.source, last) && truth[f.key].Source != f.source && f.key != "data/LINE07.csv" {
			cutLast++
		}
		for _, rec := range f.records {
			if strings.Contains(rec[6], "\n") {
				quotedNewline++
			}
		}
	}
	if cutLast == 0 {
		t.Errorf("no key whose last snapshot is cut short")
	}
	if quotedNewline == 0 {
		t.Errorf("no quoted newline in any note")
	}
}

// TestSize measures a 1/100 scale model of Snapshots=60, Keys=40,
// Rows=8000, Columns=8 with TarEvery=5 (CSV bytes grow linearly with Keys
// and Rows) and logs the Rows that give about 1 GB of CSV.
func TestSize(t *testing.T) {
	p := Params{Snapshots: 60, Keys: 4, Rows: 800, Columns: 8, Seed: 1, TarEvery: 5}
	dir, r := gen(t, p)
	_, disk, err := Count(dir)
	if err != nil {
		t.Fatal(err)
	}
	const scale = 100
	csvGB, diskGB := float64(r.csvBytes*scale)/1e9, float64(disk*scale)/1e9
	t.Logf("Snapshots=60 Keys=40 Rows=8000 Columns=8: about %.2f GB of CSV, %.2f GB on disk (1/%d scale: %d and %d bytes); 1 GB of CSV needs Rows=%.0f",
		csvGB, diskGB, scale, r.csvBytes, disk, 8000/csvGB)
	if csvGB < 0.3 || csvGB > 1 {
		t.Errorf("about %.2f GB of CSV, want 0.3 to 1", csvGB)
	}
}

func TestCount(t *testing.T) {
	dir, _ := gen(t, Params{Snapshots: 3, Keys: 2, Rows: 5, Columns: 5, Seed: 1})
	files, size, err := Count(dir)
	var sum int64
	for _, s := range []string{"2023-01-01", "2023-01-02", "2023-01-03"} {
		fi, err := os.Stat(filepath.Join(dir, "2023", s+"_export.zip"))
		if err != nil {
			t.Fatal(err)
		}
		sum += fi.Size()
	}
	if err != nil || files != 3 || size != sum {
		t.Errorf("Count = %d, %d, %v; want 3, %d, nil", files, size, err, sum)
	}
}

func TestGenerateErrors(t *testing.T) {
	ok := Params{Snapshots: 3, Keys: 11, Rows: 5, Columns: 5}
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name    string
		Edit    func(*Params)
		WantErr string
	}{
		{"NoDir", func(p *Params) { p.Dir = "" }, "no output directory"},
		{"NotEmpty", func(p *Params) { p.Dir = full }, "not empty"},
		{"Snapshots", func(p *Params) { p.Snapshots = 0 }, "snapshots"},
		{"Keys", func(p *Params) { p.Keys = 0 }, "keys"},
		{"Rows", func(p *Params) { p.Rows = -1 }, "rows"},
		{"Columns", func(p *Params) { p.Columns = 4 }, "columns"},
		{"TarEvery", func(p *Params) { p.TarEvery = -1 }, "tar every"},
		{"OneBig", func(p *Params) { p.OneBig = -1 }, "one big"},
		{"TrickyKeys", func(p *Params) { p.Tricky, p.Keys = true, 10 }, "tricky"},
		{"TrickySnapshots", func(p *Params) { p.Tricky, p.Snapshots = true, 2 }, "tricky"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			p := ok
			p.Dir = filepath.Join(t.TempDir(), "site")
			tt.Edit(&p)
			_, err := Generate(context.Background(), p)
			if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
				t.Errorf("Generate = %v, want error with %q", err, tt.WantErr)
			}
		})
	}
	p := ok
	p.Dir = full
	if _, err := Generate(context.Background(), p); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Generate into a full dir = %v, want ErrNotEmpty", err)
	}
}

func TestGenerateCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := small
	p.Dir = filepath.Join(t.TempDir(), "site")
	if _, err := Generate(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate = %v, want context.Canceled", err)
	}
}

// BenchmarkGenerate writes the full-size site (about 1 GB of CSV).
func BenchmarkGenerate(b *testing.B) {
	p := Params{Snapshots: 60, Keys: 40, Rows: 8000, Columns: 8, Seed: 1, TarEvery: 5}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Dir = filepath.Join(b.TempDir(), "site")
		r, err := generate(context.Background(), p)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(r.csvBytes)
		if i == 0 {
			_, disk, _ := Count(p.Dir)
			b.Logf("%d CSV bytes, %d bytes on disk", r.csvBytes, disk)
		}
		os.RemoveAll(p.Dir)
	}
}

// BenchmarkGenerateManySmall writes a site of many tiny snapshots, as
// bench/run.sh --many-small does; its cost is per archive and per member,
// not per byte.
func BenchmarkGenerateManySmall(b *testing.B) {
	p := Params{Snapshots: 500, Keys: 40, Rows: 20, Columns: 8, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		p.Dir = filepath.Join(b.TempDir(), "site")
		if _, err := generate(context.Background(), p); err != nil {
			b.Fatal(err)
		}
		os.RemoveAll(p.Dir)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*p.Snapshots), "µs/snapshot")
}
