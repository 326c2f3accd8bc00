package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestWriteMetaAsEncoder checks that WriteMeta, which writes the inputs
// one at a time, writes the bytes of a json.Encoder indented by two
// spaces, and that ReadMeta reads them back.
func TestWriteMetaAsEncoder(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 22, 1, 2, 345, time.UTC)
	base := Meta{
		Version: "1.2.3", Start: t0, End: t0.Add(time.Second), PlanSHA256: "ab",
		BaseDir:     "/w <&> \"q\"\n",
		Settings:    json.RawMessage(`{"include":["*.csv"],"inputs": [], "x":{"y":1}}`),
		Fingerprint: "cd",
		Totals:      MetaTotals{Inputs: 3, Keys: 2},
	}
	for _, n := range []int{-1, 0, 1, 2, 1000} {
		m := base
		if n >= 0 {
			m.Inputs = []MetaInput{}
		}
		for i := range n {
			m.Inputs = append(m.Inputs, MetaInput{
				Path:    fmt.Sprintf("/site/2023/%d_<é>&\u2028.zip", i),
				Source:  fmt.Sprintf("site/2023/%d.zip", i),
				Size:    int64(i) * 1000,
				ModTime: t0.Add(time.Duration(i) * time.Minute),
			})
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var got, want bytes.Buffer
			if err := WriteMeta(&got, m); err != nil {
				t.Fatal(err)
			}
			m.Format = MetaFormat
			if err := writeMetaWhole(&want, m); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("WriteMeta wrote\n%s\nthe encoder\n%s", got.Bytes(), want.Bytes())
			}
			back, err := ReadMeta(&got)
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Inputs) != max(n, 0) || n > 0 && !reflect.DeepEqual(back.Inputs[n-1], m.Inputs[n-1]) {
				t.Errorf("read back %d inputs, last %+v; want %d", len(back.Inputs), back.Inputs, n)
			}
		})
	}
}
