package rowcount

import (
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// benchSize is about the size of one benchmark input.
const benchSize = 8 << 20

// chunkSize is the buffer size io.Copy uses.
const chunkSize = 32 << 10

// plainCSV returns about size bytes of typical unquoted CSV: a header, then
// lines of about 100 bytes, with CRLF line ends.
func plainCSV(size int) []byte {
	var b strings.Builder
	b.WriteString("timestamp,site,line,sensor,value,unit,status,operator\r\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "2024-03-%02dT%02d:%02d:%02dZ,SITE%04d,LINE%02d,TEMP-%05d,%d.%03d,degC,OK,op%03d\r\n",
			1+i%28, i%24, i%60, i%59, i%997, i%12, i%99991, i%1000, i%1000, i%250)
	}
	return []byte(b.String())
}

// quotedCSV returns about size bytes of CSV in which most fields are quoted,
// hold commas and escaped quotes, and one line in eight has a quoted newline.
func quotedCSV(size int) []byte {
	var b strings.Builder
	b.WriteString("\"id\",\"site\",\"comment\",\"value\"\n")
	for i := 0; b.Len() < size; i++ {
		note := fmt.Sprintf("checked, %d \"\"units\"\" ok", i%1000)
		if i%8 == 0 {
			note = "first line, long\nsecond line"
		}
		fmt.Fprintf(&b, "%d,\"SITE%04d, hall %d\",\"%s\",\"%d,%03d\"\n", i, i%997, i%7, note, i%1000, i%1000)
	}
	return []byte(b.String())
}

// benchWrite writes data to w in chunkSize writes, as io.Copy does.
func benchWrite(w io.Writer, data []byte) {
	for len(data) > 0 {
		n := min(chunkSize, len(data))
		w.Write(data[:n])
		data = data[n:]
	}
}

func benchCount(b *testing.B, data []byte) {
	want := count(data, ',')
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	c := New()
	for b.Loop() {
		*c = Counter{Delimiter: ','}
		benchWrite(c, data)
	}
	if c.Records() != want {
		b.Fatalf("Records() = %d, want %d", c.Records(), want)
	}
}

func BenchmarkCount(b *testing.B) { benchCount(b, plainCSV(benchSize)) }

func BenchmarkCountQuoted(b *testing.B) { benchCount(b, quotedCSV(benchSize)) }

func BenchmarkHashAndCount(b *testing.B) {
	data := plainCSV(benchSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	sha := sha256.New()
	c := New()
	w := io.MultiWriter(sha, c)
	var sum [sha256.Size]byte
	for b.Loop() {
		sha.Reset()
		*c = Counter{Delimiter: ','}
		benchWrite(w, data)
		sha.Sum(sum[:0])
	}
}

func BenchmarkUTF16(b *testing.B) {
	data, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(plainCSV(benchSize / 2))
	if err != nil {
		b.Fatal(err)
	}
	want := count(plainCSV(benchSize/2), ',')
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	c := New()
	for b.Loop() {
		*c = Counter{Delimiter: ','}
		tw := NewText(c)
		benchWrite(tw, data)
		tw.Close()
	}
	if c.Records() != want {
		b.Fatalf("Records() = %d, want %d", c.Records(), want)
	}
}

// BenchmarkCountSmallSniffed counts a small file whose delimiter is
// sniffed, as analysis does for each of many small members: its bytes
// allocated per file should be of the file's size, not SniffLen.
func BenchmarkCountSmallSniffed(b *testing.B) {
	data := plainCSV(300)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var c Counter
		c.Write(data)
		c.Records() // decides on the sample
	}
}

// BenchmarkCountSmallSniffedQuoted is BenchmarkCountSmallSniffed with
// quoted fields, as the generated sites' files have: the sniff reads the
// sample once per delimiter the sample holds.
func BenchmarkCountSmallSniffedQuoted(b *testing.B) {
	data := quotedCSV(300)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var c Counter
		c.Write(data)
		c.Records()
	}
}
