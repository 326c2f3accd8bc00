package rowcount

import (
	"strings"
	"testing"
)

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Want  byte
	}{
		{Name: "Empty", Input: "", Want: ','},
		{Name: "SingleColumn", Input: "a\n1\n2\n", Want: ','},
		{Name: "Comma", Input: "a,b,c\n1,2,3\n", Want: ','},
		{Name: "Semicolon", Input: "a;b;c\n1;2;3\n", Want: ';'},
		{Name: "Tab", Input: "a\tb\tc\n1\t2\t3\n", Want: '\t'},
		{Name: "Pipe", Input: "a|b|c\n1|2|3\n", Want: '|'},
		{Name: "HeaderOnly", Input: "a;b;c", Want: ';'},
		{Name: "NoTrailingNewline", Input: "a|b\n1|2", Want: '|'},
		{Name: "CRLF", Input: "a;b\r\n1;2\r\n", Want: ';'},
		{Name: "BlankLines", Input: "\n\na;b\n\n\r\n1;2\n\n", Want: ';'},
		{Name: "DecimalCommas", Input: "name;price;qty\nx;1,50;2\ny;2,25;3\nz;3;4\n", Want: ';'},
		{Name: "QuotedCommas", Input: "\"a,b\";c\n\"1,2,3\";4\n\"x,y\";5\n", Want: ';'},
		{Name: "QuotedSemicolons", Input: "a,b\n\"x;y;z\",1\n\"p;q\",2\n", Want: ','},
		{Name: "QuotedNewline", Input: "a|b\n\"line1\nline2,x,y\"|2\n3|4\n", Want: '|'},
		{Name: "EscapedQuote", Input: "a\tb\n\"say \"\"hi, there\"\"\"\t2\n3\t4\n", Want: '\t'},
		{Name: "TieCommaFirst", Input: "a,b;c\n1,2;3\n", Want: ','},
		{Name: "TieSemicolonBeforeTab", Input: "a;b\tc\n1;2\t3\n", Want: ';'},
		{Name: "HigherCountOnTie", Input: "a|b,c,d\n1|2,3,4\n", Want: ','},
		{Name: "MoreConsistentWins", Input: "a;b;c\n1;2;3\n4,5;6;7\n8;9;10\n", Want: ';'},
		{Name: "MostFrequentCount", Input: "a;b\n1;2\n3;4;5\n6;7\n", Want: ';'},
		{Name: "BareCR", Input: "a;b;c\r1;2;3\r4;5;6\r", Want: ';'},
		{Name: "InchMark", Input: "a;b\n3/4\" x;1\n1/2\" y;2\n5;6\n", Want: ';'},
		{Name: "InchMarkComma", Input: "id,item,qty\n10,3/4\" pipe,5\n11,elbow,7\n12,1\" cap,2\n", Want: ','},
		{Name: "QuoteAfterSemicolon", Input: "a;\"x,y\";b\n1;\"2,3\";4\n", Want: ';'},
		{Name: "CountsOverFiftyLines", Input: strings.Repeat("a;b\n", 50) + strings.Repeat("a,b,c\n", 60), Want: ';'},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := SniffDelimiter([]byte(tt.Input)); got != tt.Want {
				t.Errorf("SniffDelimiter(%q) = %q, want %q", tt.Input, got, tt.Want)
			}
		})
	}
}

func TestSniffDelimiterCutLine(t *testing.T) {
	// 64 KiB of one long quoted-free line cut mid-way, after a header:
	// the cut line is ignored, the header decides.
	long := "x" + strings.Repeat(",", 40) + strings.Repeat("y", SniffLen)
	sample := []byte(("a;b\n" + long)[:SniffLen])
	if got := SniffDelimiter(sample); got != ';' {
		t.Errorf("SniffDelimiter(cut) = %q, want ';'", got)
	}
}

// sniffAll is SniffDelimiter as it was written first, the oracle of its
// shortcuts: a read of the sample per delimiter, every delimiter read.
func sniffAll(sample []byte, truncated bool) byte {
	best, bestScore, bestCount := delimiters[0], 0, int64(0)
	var counts [sniffLines]int64
	for _, d := range delimiters {
		n := sniffCounts(sample, d, truncated, &counts)
		count, score := modeCount(counts[:n])
		if score > bestScore || score == bestScore && count > bestCount {
			best, bestScore, bestCount = d, score, count
		}
	}
	return best
}

// TestSniffShortcuts checks SniffDelimiter's shortcuts (one read for a
// sample without quotes; no read for a delimiter the sample lacks)
// against sniffAll, on random samples of delimiters, quotes, line ends
// and text, cut or not.
func TestSniffShortcuts(t *testing.T) {
	g := uint64(3)
	next := func(n uint64) uint64 {
		g = g*6364136223846793005 + 1442695040888963407
		return (g >> 33) % n
	}
	chosen := map[string]map[byte]int{}
	for i := range 60000 {
		b := make([]byte, next(400))
		if i%3000 == 0 {
			b = make([]byte, SniffLen+int(next(100))) // many records, cut
		}
		// Some samples have quotes, some lack some delimiters; lines of
		// a few fields, with runs of one delimiter, so that every
		// delimiter wins some samples.
		alpha := ",;\t|\r\n\r\nab, "
		if i%2 == 0 {
			alpha += `""`
		}
		alpha = alpha[next(4):]
		pref := alpha[next(4)]
		for j := range b {
			switch c := alpha[next(uint64(len(alpha)))]; {
			case next(3) == 0:
				b[j] = pref
			default:
				b[j] = c
			}
		}
		kind := "quotes"
		if !strings.Contains(string(b), `"`) {
			kind = "no quotes"
		}
		for _, truncated := range []bool{false, true} {
			want := sniffAll(b, truncated)
			got := sniffEach(b, truncated)
			if kind == "no quotes" {
				got = sniffUnquoted(b, truncated)
			}
			if got != want {
				t.Fatalf("sample %q (truncated %v): %q, read per delimiter %q", b, truncated, got, want)
			}
			if chosen[kind] == nil {
				chosen[kind] = map[byte]int{}
			}
			chosen[kind][got]++
		}
		if got, want := SniffDelimiter(b), sniffAll(b[:min(len(b), SniffLen)], len(b) >= SniffLen); got != want {
			t.Fatalf("SniffDelimiter(%q) = %q, read per delimiter %q", b, got, want)
		}
	}
	for _, kind := range []string{"quotes", "no quotes"} {
		if len(chosen[kind]) != len(delimiters) {
			t.Errorf("samples with %s chose only %v", kind, chosen[kind])
		}
	}
	t.Logf("chosen (by byte): %v", chosen)
}
