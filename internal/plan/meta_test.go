package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
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

// TestReadMetaHeadManyInputs: a sidecar larger than the head's limit
// (a site of some 400,000 snapshots writes one) reads back, with its
// inputs skipped by ReadMetaHead and kept by ReadMeta; a head over the
// limit and a broken inputs list are bad metadata.
func TestReadMetaHeadManyInputs(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 22, 1, 2, 0, time.UTC)
	m := Meta{Version: "1.2.3", Start: t0, End: t0, PlanSHA256: "ab", BaseDir: "/w",
		Settings: json.RawMessage(`{"metric":"rows"}`), Fingerprint: "cd", Totals: MetaTotals{Inputs: 400_000}}
	for i := range 400_000 {
		m.Inputs = append(m.Inputs, MetaInput{Path: fmt.Sprintf("/share/site/2023/snapshot-%07d.zip", i),
			Source: fmt.Sprintf("site/2023/snapshot-%07d.zip", i), Size: int64(i), ModTime: t0})
	}
	var buf bytes.Buffer
	if err := WriteMeta(&buf, m); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= maxMetaHead {
		t.Fatalf("the sidecar is %d bytes, not over the head's limit %d: the test tests nothing", buf.Len(), maxMetaHead)
	}
	head, err := ReadMetaHead(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if head.Inputs != nil || head.Totals.Inputs != 400_000 || head.PlanSHA256 != "ab" || head.BaseDir != "/w" || !head.Start.Equal(t0) {
		t.Errorf("ReadMetaHead = %d inputs, totals %+v, sha %q, base %q", len(head.Inputs), head.Totals, head.PlanSHA256, head.BaseDir)
	}
	all, err := ReadMeta(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Inputs) != 400_000 || all.Inputs[399_999] != m.Inputs[399_999] {
		t.Errorf("ReadMeta read %d inputs", len(all.Inputs))
	}

	for name, doc := range map[string]string{
		"HeadOverLimit": `{"format":1,"base_dir":"` + strings.Repeat("x", maxMetaHead) + `"}`,
		"BrokenInputs":  `{"format":1,"inputs":[{"path":"a"},}`,
		"NotAnObject":   `[1]`,
		"OtherFormat":   `{"format":2,"inputs":[]}`,
	} {
		if _, err := ReadMetaHead(strings.NewReader(doc)); !errors.Is(err, ErrBadMeta) {
			t.Errorf("%s: ReadMetaHead: %v, want ErrBadMeta", name, err)
		}
	}
}
