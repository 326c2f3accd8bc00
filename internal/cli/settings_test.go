package cli

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/plan"
)

// TestScaleSettingsFromProfileAndEnv: the shard settings, like every
// other, come from a profile or a SIFTLOAD_* variable, and the flags
// override both.
func TestScaleSettingsFromProfileAndEnv(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/a.zip", map[string]string{"a.csv": "h\n1\n"})
	writeZip(t, "site/b.zip", map[string]string{"b.csv": "h\n1\n2\n"})
	tests := []struct {
		Name    string
		Profile string
		Env     map[string]string
		Args    []string
		WantBy  string
		WantOf  int
	}{
		{Name: "Profile", Profile: "shard: 1/2\nshard_by: hash\ncandidates: part.csv\n", WantBy: "hash", WantOf: 2},
		{Name: "Env", Env: map[string]string{"SIFTLOAD_SHARD": "0/1", "SIFTLOAD_CANDIDATES": "part.csv"}, WantBy: "size", WantOf: 1},
		{Name: "FlagOverProfile", Profile: "shard: 1/2\nshard_by: hash\ncandidates: part.csv\n", Args: []string{"--shard-by", "size", "--shard", "0/3"}, WantBy: "size", WantOf: 3},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			for k, v := range tt.Env {
				t.Setenv(k, v)
			}
			os.Remove("part.csv")
			args := append([]string{"analyze", "--out", "unused.csv"}, tt.Args...)
			if tt.Profile != "" {
				args = append(args, "--config", writeProfile(t, "p.yaml", tt.Profile+"inputs: [site]\n"))
			} else {
				args = append(args, "site")
			}
			p, out := quiet(t)
			if err := execute(t.Context(), p, args); err != nil {
				t.Fatalf("%q: %v\n%s", args, err, out)
			}
			f, err := os.Open("part.csv")
			if err != nil {
				t.Fatalf("%q wrote no candidates file: %v\n%s", args, err, out)
			}
			defer f.Close()
			part, _, _, err := plan.ReadPart(f)
			if err != nil {
				t.Fatal(err)
			}
			if part.ShardBy != tt.WantBy || part.Shards != tt.WantOf {
				t.Errorf("%q: shard %d/%d by %s, want of %d by %s", args, part.Shard, part.Shards, part.ShardBy, tt.WantOf, tt.WantBy)
			}
			if _, err := os.Stat("unused.csv"); err == nil {
				t.Errorf("%q: a shard wrote a plan", args)
			}
		})
	}
}

// TestQueueSettingsAreSettings: SIFTLOAD_QUEUE and the other queue
// settings are known variables and profile keys; the NATS secrets are
// known variables but no profile key.
func TestQueueSettingsAreSettings(t *testing.T) {
	environ := []string{"SIFTLOAD_QUEUE=nats://127.0.0.1:4222", "SIFTLOAD_QUEUE_NAME=q", "SIFTLOAD_ACK_WAIT=1m", "SIFTLOAD_PATH_MAP=/a=/b",
		"SIFTLOAD_NATS_TOKEN=t", "SIFTLOAD_NATS_USER=u", "SIFTLOAD_NATS_PASSWORD=p", "SIFTLOAD_IDLE_EXIT=5m"}
	if unknown := config.UnknownEnv(environ); len(unknown) > 0 {
		t.Errorf("unknown variables: %v", unknown)
	}
	prof, err := config.Parse("p.yaml", []byte("queue: nats://127.0.0.1:4222\nqueue_name: q\nack_wait: 1m\nnats_ca: ca.pem\nroot: [/data]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := prof.Sites[0]; s.Queue != "nats://127.0.0.1:4222" || s.QueueName != "q" || s.AckWait != "1m" || s.NATSCA != "ca.pem" || !slices.Equal(s.Root, []string{"/data"}) {
		t.Errorf("profile: %+v", s.Scale)
	}
	for _, key := range []string{"nats_token", "nats_password"} {
		_, err := config.Parse("p.yaml", []byte(key+": SeCr3t-xyz\n"))
		if err == nil || strings.Contains(err.Error(), "SeCr3t") {
			t.Errorf("%s in a profile: %v, want an error that does not repeat it", key, err)
		}
	}

	// worker: variables under flags.
	t.Setenv("SIFTLOAD_QUEUE", "nats://10.0.0.1:4222")
	t.Setenv("SIFTLOAD_QUEUE_NAME", "fromenv")
	t.Setenv("SIFTLOAD_PATH_MAP", "/mnt/site=S:/site")
	fs := pflag.NewFlagSet("worker", pflag.ContinueOnError)
	b := newBoundSettings(fs)
	b.workerFlags()
	if err := fs.Parse([]string{"--queue-name", "fromflag"}); err != nil {
		t.Fatal(err)
	}
	s, err := b.withEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	if s.Queue != "nats://10.0.0.1:4222" || s.QueueName != "fromflag" || !slices.Equal(s.PathMap, []string{"/mnt/site=S:/site"}) {
		t.Errorf("worker settings: %+v %+v", s.Scale, s.Worker)
	}
}

// TestConfigCheckShowsEverySetting: config check prints every setting
// that has a default, with its origin, the scale and worker ones too.
func TestConfigCheckShowsEverySetting(t *testing.T) {
	t.Chdir(t.TempDir())
	writeProfile(t, "p.yaml", "inputs: [in]\nqueue_name: rgb\n")
	t.Setenv("SIFTLOAD_ACK_WAIT", "2m")
	var stdout bytes.Buffer
	p, stderr := quiet(t)
	if err := runConfigCheck(&stdout, p, "p.yaml"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	got := stdout.String()
	for _, want := range []string{
		"queue_name: rgb # p.yaml:2:1",
		`ack_wait: "2m" # SIFTLOAD_ACK_WAIT`,
		"shard_by: size # default",
		`lock_timeout: "5m0s" # default`,
		"max_depth: 4 # default",
		"load_workers: 0 # default",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config check lacks %q:\n%s", want, got)
		}
	}
}

// TestReadmeKeys: the README's list of profile keys is the model's.
func TestReadmeKeys(t *testing.T) {
	readme := readFile(t, "../../README.md")
	_, list, ok := strings.Cut(readme, "- **Keys** are")
	list, _, ok2 := strings.Cut(list, "\n- **")
	if !ok || !ok2 {
		t.Fatal("README lacks the list of keys")
	}
	list, _, _ = strings.Cut(list, "\n  `analyze --config`")
	var got []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(list, -1) {
		if !slices.Contains(got, m[1]) {
			got = append(got, m[1])
		}
	}
	want := config.Keys()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		for _, k := range want {
			if !slices.Contains(got, k) {
				t.Errorf("README's keys lack %s", k)
			}
		}
		for _, k := range got {
			if !slices.Contains(want, k) {
				t.Errorf("README names key %s, which is no setting", k)
			}
		}
	}
}

// TestImportSettingsParsedOnce: import's settings are parsed and checked
// when the sites are resolved, and a wrong one is named by what set it,
// not by a flag that was not given; so are the settings that the load's
// errors name.
func TestImportSettingsParsedOnce(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	d := notTerminal()
	tests := []struct {
		Name    string
		Profile string
		Env     map[string]string
		Args    []string
		WantErr string
		NotErr  string
	}{
		{Name: "NameEncodingProfile", Profile: "name_encoding: klingon\n", WantErr: "p.yaml:3:1: name_encoding", NotErr: "--name-encoding"},
		{Name: "NameEncodingEnv", Env: map[string]string{"SIFTLOAD_NAME_ENCODING": "klingon"}, WantErr: "SIFTLOAD_NAME_ENCODING", NotErr: "--name-encoding"},
		{Name: "NameEncodingFlag", Args: []string{"--name-encoding", "klingon"}, WantErr: "--name-encoding"},
		// Load's errors name the settings by what set them too.
		{Name: "TableProfile", Profile: "table: \"x_{name\"\n", WantErr: "table (p.yaml:3:1): table template", NotErr: "--table"},
		{Name: "TableEnv", Env: map[string]string{"SIFTLOAD_TABLE": "x_{name"}, WantErr: "SIFTLOAD_TABLE: table template", NotErr: "--table"},
		{Name: "TableFlag", Args: []string{"--table", "x_{name"}, WantErr: "--table: table template"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			for k, v := range tt.Env {
				t.Setenv(k, v)
			}
			writeProfile(t, "p.yaml", "out: plan.csv\ndb: sqlite:x.db\n"+tt.Profile)
			p, out := quiet(t)
			err := executeWith(t.Context(), p, d, append([]string{"import", "--config", "p.yaml"}, tt.Args...))
			if err == nil || !strings.Contains(err.Error(), tt.WantErr) || tt.NotErr != "" && strings.Contains(err.Error(), tt.NotErr) {
				t.Errorf("error = %v, want one with %q (and not %q)\n%s", err, tt.WantErr, tt.NotErr, out)
			}
			if strings.HasPrefix(tt.Name, "NameEncoding") {
				if !errors.Is(err, ErrUsage) {
					t.Errorf("error = %v, want a usage error", err)
				}
				if _, err := os.Stat("x.db"); err == nil {
					t.Errorf("the database was opened")
				}
			}
			os.Remove("x.db")
		})
	}
}

// TestRunIgnoresScaleSettings: a shard setting from the
// environment or a profile shared with analyze does not make run import a
// part of the plan: run analyzes every input here, and says so.
func TestRunIgnoresScaleSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/a.zip", map[string]string{"a.csv": "h\n1\n"})
	writeZip(t, "site/b.zip", map[string]string{"b.csv": "h\n1\n2\n"})
	writeZip(t, "site/c.zip", map[string]string{"c.csv": "h\n1\n2\n3\n"})
	t.Setenv("SIFTLOAD_SHARD", "0/3")
	t.Setenv("SIFTLOAD_CANDIDATES", "part.csv")
	p, out := quiet(t)
	if err := execute(t.Context(), p, []string{"run", "site", "--db", "sqlite:x.db"}); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	entries, err := readPlanFile("plan.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || !strings.Contains(out.String(), "warning: SIFTLOAD_SHARD is ignored") || !strings.Contains(out.String(), "3 loaded") {
		t.Errorf("run with SIFTLOAD_SHARD: %d keys in the plan\n%s", len(entries), out)
	}
}

// TestEntryLimitNamedByOrigin: the problem of a crossed entry limit names
// what set the limit, as the decompression limits' do.
func TestEntryLimitNamedByOrigin(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/a.zip", map[string]string{"a.csv": "h\n1\n", "b.csv": "h\n1\n", "c.csv": "h\n1\n"})
	for _, tt := range []struct {
		Name    string
		Args    []string
		Profile string
		Want    string
	}{
		{Name: "Flag", Args: []string{"--max-entries", "2", "site"}, Want: "over the limit of 2 entries per input (--max-entries)"},
		{Name: "Profile", Profile: "max_entries: 2\ninputs: [site]\n", Want: "over the limit of 2 entries per input (max_entries (p.yaml:1:1))"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			args := append([]string{"analyze", "--out", "plan.csv"}, tt.Args...)
			if tt.Profile != "" {
				args = append(args, "--config", writeProfile(t, "p.yaml", tt.Profile))
			}
			p, out := quiet(t)
			if err := execute(t.Context(), p, args); !errors.Is(err, ErrProblems) {
				t.Fatalf("%q: %v, want problems\n%s", args, err, out)
			}
			if got := readFile(t, "plan.problems.csv"); !strings.Contains(got, tt.Want) {
				t.Errorf("%q: problems file\n%s\nwant ...%s...", args, got, tt.Want)
			}
		})
	}
}
