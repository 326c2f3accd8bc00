package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/siftload/siftload/internal/testenv"
)

// ScreenshotEnv names a file the browser test writes its screenshot to,
// for a person to look at; without it the screenshot goes to the test's
// temporary directory.
const ScreenshotEnv = "SIFTLOAD_TEST_REPORT_SCREENSHOT"

// browser starts headless Chromium (Debian's chromium package) and
// returns a context that drives it, with what the page logged as an
// error and every request it made other than the report itself.
func browser(t *testing.T, page string) (ctx context.Context, errs, requests func() []string) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if path, err = exec.LookPath("chromium-browser"); err != nil {
			testenv.Skip(t, "no chromium on PATH (apt-get install chromium)")
		}
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1400, 1000))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	var (
		mu      sync.Mutex
		errList []string
		reqList []string
		pageURL = "file://" + page
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			errList = append(errList, "exception: "+ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if t := string(ev.Type); t == "error" || t == "warning" || t == "assert" {
				errList = append(errList, "console."+t)
			}
		case *log.EventEntryAdded:
			if l := string(ev.Entry.Level); l == "error" || l == "warning" {
				errList = append(errList, "log: "+ev.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; !strings.HasPrefix(u, pageURL) {
				reqList = append(reqList, u)
			}
		}
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for _, err := range []error{
		call(ctx, runtime.Enable, cdp.Empty{}),
		call(ctx, log.Enable, cdp.Empty{}),
		call(ctx, network.Enable, network.EnableParams{}),
	} {
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
	}
	get := func(l *[]string) func() []string {
		return func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(*l) }
	}
	return ctx, get(&errList), get(&reqList)
}

// call runs a protocol command and keeps only its error.
func call[P, R any](ctx context.Context, cmd cdp.Command[P, R], params P) error {
	_, err := chromedp.Call(ctx, cmd, params)
	return err
}

// setView chooses a filter and types a text into the filter box, as a
// person does: the page sees the change and input events.
func setView(filter, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(f, q){
		var s = document.getElementById("filter"); s.value = f; s.dispatchEvent(new Event("change", {bubbles: true}));
		var i = document.getElementById("q"); i.value = q; i.dispatchEvent(new Event("input", {bubbles: true}));
	})(%s, %s)`, strconv.Quote(filter), strconv.Quote(text)))
}

// click clicks the element that the CSS selector sel finds.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).click()`, strconv.Quote(sel)))
}

func TestReportInBrowser(t *testing.T) {
	in := sample()
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, in); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, errs, requests := browser(t, page)

	const visible = `Array.from(document.querySelectorAll("#keys tbody tr")).filter(r => !r.hidden).map(r => r.dataset.key)`
	if err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+page),
		chromedp.WaitVisible(`body[data-ready="1"]`),
	); err != nil {
		t.Fatal(err)
	}
	keys, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](visible))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range in.Entries {
		want = append(want, e.Key)
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys in the page:\n got %q\nwant %q", keys, want)
	}

	// The filters, each alone and with text.
	tests := []struct {
		Name   string
		Filter string
		Text   string
		Want   []string
	}{
		{Name: "Ties", Filter: "ties", Want: []string{"data/tie.csv"}},
		{Name: "Newest", Filter: "newest", Want: []string{"data/shrunk.csv"}},
		{Name: "Warnings", Filter: "warnings", Want: []string{"data/shrunk.csv", "data/warn.csv"}},
		{Name: "Problems", Filter: "problems", Want: []string{"data/warn.csv"}},
		{Name: "Text", Filter: "all", Text: "PLAIN", Want: []string{"data/plain.csv"}},
		{Name: "WarningsAndText", Filter: "warnings", Text: "warn", Want: []string{"data/warn.csv"}},
		{Name: "All", Filter: "all", Want: want},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if err := chromedp.Do(ctx, setView(tt.Filter, tt.Text)); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](visible))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.Want) {
				t.Errorf("shown:\n got %q\nwant %q", got, tt.Want)
			}
		})
	}

	// Sorting by rows, then a key's chart.
	if err := chromedp.Do(ctx, click(`#keys th[data-col="1"]`)); err != nil {
		t.Fatal(err)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#keys tbody tr").dataset.key`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, click(`#keys tbody tr[data-key="data/plain.csv"] td`)); err != nil {
		t.Fatal(err)
	}
	circles, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#detail svg circle").length`))
	if err != nil {
		t.Fatal(err)
	}
	if first != "data/<script>alert(1)</script>.csv" {
		t.Errorf("sorted by rows, the first key is %q, want the one with 1 row", first)
	}
	if circles != 2 {
		t.Errorf("the chart of data/plain.csv has %d points, want 2", circles)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv(ScreenshotEnv)
	if out == "" {
		out = filepath.Join(dir, "report.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("the page logged errors: %q", e)
	}
	if r := requests(); len(r) > 0 {
		t.Errorf("the page made requests: %q", r)
	}
}

// The report of 10,000 keys × 100 versions opens with every key and its
// filters work; how long it took is logged, not asserted (the machine is
// shared).
func TestLargeReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a report of a million versions")
	}
	in := large(10000, 100)
	page := filepath.Join(t.TempDir(), "large.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, in); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, errs, requests := browser(t, page)
	start := time.Now()
	if err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+page),
		chromedp.WaitVisible(`body[data-ready="1"]`),
	); err != nil {
		t.Fatal(err)
	}
	ms, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.ms`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 keys: usable after %s (the page's own clock: %s ms from navigation to ready)", time.Since(start).Round(time.Millisecond), ms)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Set(Array.from(document.querySelectorAll("#keys tbody tr")).map(r => r.dataset.key)).size`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, setView("newest", "")); err != nil {
		t.Fatal(err)
	}
	newest, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll("#keys tbody tr")).filter(r => !r.hidden).length`))
	if err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv(ScreenshotEnv); out != "" {
		if err := chromedp.Do(ctx, setView("all", "")); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(strings.TrimSuffix(out, ".png")+"-large.png", shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantNewest := 0
	for _, e := range in.Entries {
		for _, w := range e.Warnings {
			if strings.HasPrefix(w, "not the newest") {
				wantNewest++
				break
			}
		}
	}
	if rows != 10000 || newest != wantNewest {
		t.Errorf("%d distinct keys, %d newest-not-chosen shown; want 10000 and %d", rows, newest, wantNewest)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("the page logged errors: %q", e)
	}
	if r := requests(); len(r) > 0 {
		t.Errorf("the page made requests: %q", r)
	}
}
