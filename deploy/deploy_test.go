// Package deploy_test checks the deployment files in this directory
// without a cluster: every Kubernetes manifest decodes strictly into the
// fields the Kubernetes API has (a misspelt field fails), the Jobs are
// wired together (the merge reads what the Indexed Job writes, the import
// what the merge writes), secrets come from Secrets, and every siftload
// command line in the manifests and the Slurm scripts parses with the
// real command.
package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/siftload/siftload/internal/cli"
)

// The subset of the Kubernetes API the manifests use, with the API's
// field names. Strict decoding refuses any other field.
type (
	meta struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	}
	header struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	job struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   meta    `yaml:"metadata"`
		Spec       jobSpec `yaml:"spec"`
	}
	jobSpec struct {
		CompletionMode   string            `yaml:"completionMode"`
		Completions      *int              `yaml:"completions"`
		Parallelism      *int              `yaml:"parallelism"`
		BackoffLimit     *int              `yaml:"backoffLimit"`
		PodFailurePolicy *podFailurePolicy `yaml:"podFailurePolicy"`
		Template         podTemplate       `yaml:"template"`
	}
	podFailurePolicy struct {
		Rules []struct {
			Action      string `yaml:"action"`
			OnExitCodes *struct {
				ContainerName string `yaml:"containerName"`
				Operator      string `yaml:"operator"`
				Values        []int  `yaml:"values"`
			} `yaml:"onExitCodes"`
		} `yaml:"rules"`
	}
	deployment struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   meta   `yaml:"metadata"`
		Spec       struct {
			Replicas *int `yaml:"replicas"`
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template podTemplate `yaml:"template"`
		} `yaml:"spec"`
	}
	pvc struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   meta   `yaml:"metadata"`
		Spec       struct {
			AccessModes []string `yaml:"accessModes"`
			Resources   struct {
				Requests map[string]string `yaml:"requests"`
			} `yaml:"resources"`
			StorageClassName *string `yaml:"storageClassName"`
		} `yaml:"spec"`
	}
	podTemplate struct {
		Metadata meta    `yaml:"metadata"`
		Spec     podSpec `yaml:"spec"`
	}
	podSpec struct {
		RestartPolicy                 string `yaml:"restartPolicy"`
		TerminationGracePeriodSeconds *int   `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               *struct {
			RunAsNonRoot *bool  `yaml:"runAsNonRoot"`
			RunAsUser    *int64 `yaml:"runAsUser"`
			RunAsGroup   *int64 `yaml:"runAsGroup"`
			FSGroup      *int64 `yaml:"fsGroup"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []volume    `yaml:"volumes"`
	}
	container struct {
		Name      string   `yaml:"name"`
		Image     string   `yaml:"image"`
		Command   []string `yaml:"command"`
		Args      []string `yaml:"args"`
		Env       []envVar `yaml:"env"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext *struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			Capabilities             *struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			FieldRef *struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	volume struct {
		Name                  string `yaml:"name"`
		PersistentVolumeClaim *struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
		EmptyDir *struct {
			SizeLimit string `yaml:"sizeLimit"`
		} `yaml:"emptyDir"`
		Secret *struct {
			SecretName  string `yaml:"secretName"`
			DefaultMode *int   `yaml:"defaultMode"`
		} `yaml:"secret"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	}
)

// manifests decodes every manifest under kubernetes/, strictly, by kind.
type manifests struct {
	jobs        map[string]*job
	deployments map[string]*deployment
	claims      map[string]*pvc
}

func load(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	m := manifests{jobs: map[string]*job{}, deployments: map[string]*deployment{}, claims: map[string]*pvc{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var h header
		if err := yaml.Unmarshal(b, &h); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var name string
		strict := func(v any) {
			t.Helper()
			if err := yaml.UnmarshalWithOptions(b, v, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
		switch h.APIVersion + " " + h.Kind {
		case "batch/v1 Job":
			var j job
			strict(&j)
			name = j.Metadata.Name
			m.jobs[name] = &j
			checkPod(t, f, &j.Spec.Template.Spec)
			if p := j.Spec.Template.Spec.RestartPolicy; p != "Never" && p != "OnFailure" {
				t.Errorf("%s: a Job's restartPolicy is %q, want Never or OnFailure", f, p)
			}
			if j.Spec.PodFailurePolicy != nil && j.Spec.Template.Spec.RestartPolicy != "Never" {
				t.Errorf("%s: podFailurePolicy needs restartPolicy Never", f)
			}
		case "apps/v1 Deployment":
			var d deployment
			strict(&d)
			name = d.Metadata.Name
			m.deployments[name] = &d
			checkPod(t, f, &d.Spec.Template.Spec)
			for k, v := range d.Spec.Selector.MatchLabels {
				if d.Spec.Template.Metadata.Labels[k] != v {
					t.Errorf("%s: the selector's %s=%s is not on the pods", f, k, v)
				}
			}
		case "v1 PersistentVolumeClaim":
			var c pvc
			strict(&c)
			name = c.Metadata.Name
			m.claims[name] = &c
			if !slices.Contains(c.Spec.AccessModes, "ReadWriteMany") {
				t.Errorf("%s: pods on several nodes share the claim: want ReadWriteMany, have %v", f, c.Spec.AccessModes)
			}
		default:
			t.Fatalf("%s: unexpected %s %s", f, h.APIVersion, h.Kind)
		}
		if !regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`).MatchString(name) {
			t.Errorf("%s: name %q is not a DNS label", f, name)
		}
	}
	for name, j := range m.jobs {
		checkClaims(t, name, &j.Spec.Template.Spec, m.claims)
	}
	for name, d := range m.deployments {
		checkClaims(t, name, &d.Spec.Template.Spec, m.claims)
	}
	return m
}

// checkPod checks what every siftload pod must do.
func checkPod(t *testing.T, file string, ps *podSpec) {
	t.Helper()
	if len(ps.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", file, len(ps.Containers))
	}
	c := ps.Containers[0]
	if c.Image == "" || len(c.Command) > 0 || len(c.Args) == 0 {
		t.Errorf("%s: want an image whose entrypoint is siftload and the command line in args", file)
	}
	if sc := ps.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("%s: pods must run as non-root", file)
	}
	if sc := c.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation must be false", file)
	}
	volumes := map[string]bool{}
	for _, v := range ps.Volumes {
		volumes[v.Name] = true
		if v.Secret != nil && v.Secret.DefaultMode != nil && *v.Secret.DefaultMode&0o007 != 0 {
			t.Errorf("%s: secret volume %s is readable by others (mode %o)", file, v.Name, *v.Secret.DefaultMode)
		}
	}
	for _, vm := range c.VolumeMounts {
		if !volumes[vm.Name] {
			t.Errorf("%s: mount of undefined volume %s", file, vm.Name)
		}
	}
	secretish := regexp.MustCompile(`(?i)password|token|secret|seed`)
	for _, e := range c.Env {
		if secretish.MatchString(e.Name) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("%s: %s must come from a Secret (secretKeyRef), not a literal", file, e.Name)
		}
	}
	for _, a := range c.Args {
		if secretish.MatchString(a) && !strings.Contains(a, "-file") {
			t.Errorf("%s: argument %q looks like a secret on the command line", file, a)
		}
		_, value, _ := strings.Cut(a, "=")
		if u, err := url.Parse(value); err == nil && u.User != nil {
			if _, set := u.User.Password(); set {
				t.Errorf("%s: URL with a password in %q", file, a)
			}
		}
	}
}

func checkClaims(t *testing.T, name string, ps *podSpec, claims map[string]*pvc) {
	t.Helper()
	for _, v := range ps.Volumes {
		if v.PersistentVolumeClaim != nil && claims[v.PersistentVolumeClaim.ClaimName] == nil {
			t.Errorf("%s: claim %s is not in pvc.yaml", name, v.PersistentVolumeClaim.ClaimName)
		}
	}
}

// flagValue returns the value of --name=VALUE in args.
func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

func envOf(c container, name string) *envVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func TestKubernetesManifests(t *testing.T) {
	m := load(t)
	analyze, merge, imp := m.jobs["siftload-analyze"], m.jobs["siftload-merge"], m.jobs["siftload-import"]
	if analyze == nil || merge == nil || imp == nil {
		t.Fatalf("want the Jobs siftload-analyze, siftload-merge and siftload-import; have %v", slices.Sorted(maps.Keys(m.jobs)))
	}

	// The Indexed Job: one shard per index, N given to siftload.
	s := analyze.Spec
	if s.CompletionMode != "Indexed" || s.Completions == nil || *s.Completions < 2 {
		t.Fatalf("siftload-analyze: completionMode %q, completions %v; want Indexed with several", s.CompletionMode, s.Completions)
	}
	ac := s.Template.Spec.Containers[0]
	if flagValue(ac.Args, "shard") != "auto" {
		t.Errorf("siftload-analyze: want --shard=auto, have %q", ac.Args)
	}
	if e := envOf(ac, "JOB_COMPLETIONS"); e == nil || e.Value != strconv.Itoa(*s.Completions) {
		t.Errorf("siftload-analyze: JOB_COMPLETIONS must be set to completions (%d): %+v", *s.Completions, e)
	}
	if e := envOf(ac, "JOB_COMPLETION_INDEX"); e != nil && (e.ValueFrom == nil || e.ValueFrom.FieldRef == nil ||
		e.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']") {
		t.Errorf("siftload-analyze: JOB_COMPLETION_INDEX must come from the completion index annotation: %+v", e)
	}
	part := flagValue(ac.Args, "candidates")
	if !strings.Contains(part, "$(JOB_COMPLETION_INDEX)") {
		t.Errorf("siftload-analyze: each index needs its own candidates file: %q", part)
	}

	// The merge reads every part the Indexed Job writes.
	mc := merge.Spec.Template.Spec.Containers[0]
	if mc.Args[0] != "merge" || len(mc.Args) < 2 {
		t.Fatalf("siftload-merge: args %q", mc.Args)
	}
	for i := range *s.Completions {
		p := strings.ReplaceAll(part, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i))
		if ok, _ := path.Match(mc.Args[1], p); !ok {
			t.Errorf("siftload-merge: %q does not match part %s", mc.Args[1], p)
		}
	}
	if merge.Spec.CompletionMode == "Indexed" {
		t.Error("siftload-merge must be one pod")
	}
	if !failsOn(merge, 1) {
		t.Error("siftload-merge: exit status 1 (problems reported, plan written) must fail the Job, not retry it")
	}

	// The import loads the merge's plan, with the password from a Secret.
	ic := imp.Spec.Template.Spec.Containers[0]
	plan := flagValue(mc.Args, "out")
	if ic.Args[0] != "import" || flagValue(ic.Args, "plan") != plan {
		t.Errorf("siftload-import: want import --plan=%s, have %q", plan, ic.Args)
	}
	pw := envOf(ic, "SIFTLOAD_DB_PASSWORD")
	if pw == nil || pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil || pw.ValueFrom.SecretKeyRef.Name == "" {
		t.Errorf("siftload-import: SIFTLOAD_DB_PASSWORD must come from a Secret: %+v", pw)
	}
	db, err := url.Parse(flagValue(ic.Args, "db"))
	if err != nil || db.Query().Get("sslmode") != "verify-full" {
		t.Errorf("siftload-import: the database must be reached with sslmode=verify-full: %q", flagValue(ic.Args, "db"))
	}
	if failsOn(imp, 1) {
		t.Error("siftload-import: a failed key (exit 1) may be transient: the ledger makes a retry safe")
	}

	// The sources of the plan are /data/site/...: every pod that reads
	// them mounts the site there.
	for _, j := range []*job{analyze, imp} {
		if !mounts(j.Spec.Template.Spec.Containers[0], "/data/site", true) {
			t.Errorf("%s: want the site read-only at /data/site", j.Metadata.Name)
		}
	}

	// The work queue: workers with NATS credentials from a Secret.
	w := m.deployments["siftload-worker"]
	q := m.jobs["siftload-analyze-queue"]
	if w == nil || q == nil {
		t.Fatal("want the Deployment siftload-worker and the Job siftload-analyze-queue")
	}
	wc, qc := w.Spec.Template.Spec.Containers[0], q.Spec.Template.Spec.Containers[0]
	if wc.Args[0] != "worker" || flagValue(wc.Args, "queue") == "" || flagValue(wc.Args, "queue") != flagValue(qc.Args, "queue") {
		t.Errorf("worker and analyze --queue must use one queue: %q, %q", wc.Args, qc.Args)
	}
	for _, c := range []container{wc, qc} {
		u, err := url.Parse(flagValue(c.Args, "queue"))
		if err != nil || u.Scheme != "tls" || flagValue(c.Args, "nats-creds") == "" {
			t.Errorf("%s: want --queue=tls://... and --nats-creds from a Secret, have %q", c.Name, c.Args)
		}
	}
	if !mounts(wc, "/data/site", true) {
		t.Error("siftload-worker: want the site read-only at /data/site, where analyze sees it")
	}
}

func failsOn(j *job, code int) bool {
	if j.Spec.PodFailurePolicy == nil {
		return false
	}
	for _, r := range j.Spec.PodFailurePolicy.Rules {
		if r.Action == "FailJob" && r.OnExitCodes != nil && r.OnExitCodes.Operator == "In" && slices.Contains(r.OnExitCodes.Values, code) {
			return true
		}
	}
	return false
}

func mounts(c container, at string, readOnly bool) bool {
	for _, vm := range c.VolumeMounts {
		if vm.MountPath == at && vm.ReadOnly == readOnly {
			return true
		}
	}
	return false
}

// parses checks that args (without the program name) is a siftload
// command line whose command and flags exist.
func parses(t *testing.T, where string, args []string) {
	t.Helper()
	stdout := os.Stdout
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = devnull
	err = cli.Execute(context.Background(), append(slices.Clone(args), "--help"))
	os.Stdout = stdout
	devnull.Close()
	if err != nil {
		t.Errorf("%s: siftload %s: %v", where, strings.Join(args, " "), err)
	}
}

func TestManifestCommandLinesParse(t *testing.T) {
	m := load(t)
	for name, j := range m.jobs {
		parses(t, name, j.Spec.Template.Spec.Containers[0].Args)
	}
	for name, d := range m.deployments {
		parses(t, name, d.Spec.Template.Spec.Containers[0].Args)
	}
}

// siftloadLines returns the siftload command lines of a shell script,
// joined over continuation lines, with the shell's variables replaced by
// placeholders, split into words.
func siftloadLines(t *testing.T, script string) [][]string {
	t.Helper()
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	vars := regexp.MustCompile(`\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*`)
	var out [][]string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, `exec "$SIFTLOAD" `)
		if !ok {
			continue
		}
		rest = vars.ReplaceAllString(rest, "1")
		var words []string
		for _, w := range strings.Fields(rest) {
			words = append(words, strings.Trim(w, `"'`))
		}
		out = append(out, words)
	}
	return out
}

func TestSlurmScripts(t *testing.T) {
	scripts, _ := filepath.Glob("slurm/*")
	if len(scripts) < 4 {
		t.Fatalf("want the analyze, merge and import scripts and submit.sh, have %v", scripts)
	}
	commands := map[string][]string{}
	for _, s := range scripts {
		var stderr bytes.Buffer
		cmd := exec.Command("bash", "-n", s)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Errorf("%s: bash -n: %s", s, stderr.String())
			} else {
				t.Logf("bash not found, syntax not checked: %v", err)
			}
		}
		if fi, err := os.Stat(s); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", s)
		}
		for _, args := range siftloadLines(t, s) {
			commands[filepath.Base(s)] = args
			parses(t, s, args)
		}
	}
	an := commands["analyze-array.sbatch"]
	if len(an) == 0 || an[0] != "analyze" || !slices.Contains(an, "auto") {
		t.Errorf("analyze-array.sbatch: want analyze --shard auto, have %q", an)
	}
	sub, _ := os.ReadFile("slurm/submit.sh")
	for _, want := range []string{`analyze "0-$((SHARDS - 1))"`, "--kill-on-invalid-dep=yes", "export SITE WORK SHARDS"} {
		if !bytes.Contains(sub, []byte(want)) {
			t.Errorf("submit.sh: want %s (an array from 0, its shard count exported, a merge that a failed shard cancels)", want)
		}
	}
	if mg := commands["merge.sbatch"]; len(mg) == 0 || mg[0] != "merge" {
		t.Errorf("merge.sbatch: want merge, have %q", mg)
	}
	im := commands["import.sbatch"]
	imText, _ := os.ReadFile("slurm/import.sbatch")
	if len(im) == 0 || im[0] != "import" || !bytes.Contains(imText, []byte("--password-file")) {
		t.Errorf("import.sbatch: want import with --password-file, have %q", im)
	}
	if !bytes.Contains(sub, []byte("--dependency=")) {
		t.Error("submit.sh: the merge must wait for the analysis (--dependency)")
	}
}
