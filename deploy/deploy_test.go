// Package deploy_test checks the deployment files in this directory
// without a cluster: every Kubernetes manifest decodes strictly into the
// Kubernetes API's own types (k8s.io/api, with apimachinery's strict
// decoder; a test-only dependency), so a misspelt field, a malformed
// quantity or a field given twice fails, and the enums and names the
// manifests use are checked against the API's values; the Jobs are
// wired together (the merge reads what the Indexed Job writes, the import
// what the merge writes), secrets come from Secrets, and every siftload
// command line in the manifests and the Slurm scripts parses with the
// real command.
package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/siftload/siftload/internal/cli"
)

// The manifests decode into the Kubernetes API's own types (k8s.io/api),
// through apimachinery's strict decoder: a field the API does not have, a
// field given twice, a value of the wrong type or a malformed quantity
// fails. The API types do not check enums (the API server does), so
// checkEnums checks those the manifests use against the API's constants.
type (
	job        = batchv1.Job
	deployment = appsv1.Deployment
	pvc        = corev1.PersistentVolumeClaim
	container  = corev1.Container
	envVar     = corev1.EnvVar
)

// manifests decodes every manifest under kubernetes/, strictly, by kind.
type manifests struct {
	jobs        map[string]*job
	deployments map[string]*deployment
	claims      map[string]*pvc
}

// decoder returns apimachinery's strict YAML decoder for the kinds the
// manifests may have: batch/v1, apps/v1 and core v1.
func decoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{batchv1.AddToScheme, appsv1.AddToScheme, corev1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

func load(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	dec := decoder(t)
	m := manifests{jobs: map[string]*job{}, deployments: map[string]*deployment{}, claims: map[string]*pvc{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		obj, gvk, err := dec.Decode(b, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var name string
		switch o := obj.(type) {
		case *batchv1.Job:
			name = o.Name
			m.jobs[name] = o
			checkPod(t, f, &o.Spec.Template.Spec)
			if p := o.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
				t.Errorf("%s: a Job's restartPolicy is %q, want Never or OnFailure", f, p)
			}
			if o.Spec.PodFailurePolicy != nil && o.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("%s: podFailurePolicy needs restartPolicy Never", f)
			}
		case *appsv1.Deployment:
			name = o.Name
			m.deployments[name] = o
			checkPod(t, f, &o.Spec.Template.Spec)
			if o.Spec.Selector == nil || len(o.Spec.Selector.MatchLabels) == 0 {
				t.Errorf("%s: a Deployment needs a selector", f)
			} else {
				for k, v := range o.Spec.Selector.MatchLabels {
					if o.Spec.Template.Labels[k] != v {
						t.Errorf("%s: the selector's %s=%s is not on the pods", f, k, v)
					}
				}
			}
		case *corev1.PersistentVolumeClaim:
			name = o.Name
			m.claims[name] = o
			if !slices.Contains(o.Spec.AccessModes, corev1.ReadWriteMany) {
				t.Errorf("%s: pods on several nodes share the claim: want ReadWriteMany, have %v", f, o.Spec.AccessModes)
			}
		default:
			t.Fatalf("%s: unexpected %s", f, gvk)
		}
		for _, msg := range checkEnums(obj) {
			t.Errorf("%s: %s", f, msg)
		}
		for _, msg := range validation.IsDNS1123Label(name) {
			t.Errorf("%s: name %q: %s", f, name, msg)
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

// checkEnums checks the enum fields the manifests use against the values
// the API defines, and the names the API server checks (labels, env
// variables, resources), and returns what is wrong.
func checkEnums(obj runtime.Object) []string {
	var bad []string
	in := func(field string, v any, allowed ...any) {
		if !slices.Contains(allowed, v) {
			bad = append(bad, fmt.Sprintf("%s %q is none of %v", field, v, allowed))
		}
	}
	labels := func(field string, l map[string]string) {
		for k, v := range l {
			for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
				bad = append(bad, fmt.Sprintf("%s %s=%s: %s", field, k, v, msg))
			}
		}
	}
	resources := func(field string, l corev1.ResourceList) {
		for name := range l {
			in(field, name, corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourceStorage)
		}
	}
	pod := func(meta metav1.ObjectMeta, ps *corev1.PodSpec) {
		labels("the pod's label", meta.Labels)
		in("restartPolicy", ps.RestartPolicy, corev1.RestartPolicy(""), corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)
		for _, c := range ps.Containers {
			in("imagePullPolicy", c.ImagePullPolicy, corev1.PullPolicy(""), corev1.PullAlways, corev1.PullNever, corev1.PullIfNotPresent)
			resources("a resource request", c.Resources.Requests)
			resources("a resource limit", c.Resources.Limits)
			for _, e := range c.Env {
				for _, msg := range validation.IsEnvVarName(e.Name) {
					bad = append(bad, fmt.Sprintf("env %s: %s", e.Name, msg))
				}
			}
		}
	}
	switch o := obj.(type) {
	case *batchv1.Job:
		labels("label", o.Labels)
		if o.Spec.CompletionMode != nil {
			in("completionMode", *o.Spec.CompletionMode, batchv1.NonIndexedCompletion, batchv1.IndexedCompletion)
		}
		if pf := o.Spec.PodFailurePolicy; pf != nil {
			for _, r := range pf.Rules {
				in("podFailurePolicy action", r.Action, batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionFailIndex,
					batchv1.PodFailurePolicyActionIgnore, batchv1.PodFailurePolicyActionCount)
				if r.OnExitCodes != nil {
					in("onExitCodes operator", r.OnExitCodes.Operator, batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn)
				}
			}
		}
		pod(o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec)
	case *appsv1.Deployment:
		labels("label", o.Labels)
		if o.Spec.Strategy.Type != "" {
			in("strategy", o.Spec.Strategy.Type, appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType)
		}
		pod(o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec)
	case *corev1.PersistentVolumeClaim:
		labels("label", o.Labels)
		for _, am := range o.Spec.AccessModes {
			in("accessMode", am, corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod)
		}
		if o.Spec.VolumeMode != nil {
			in("volumeMode", *o.Spec.VolumeMode, corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem)
		}
		resources("a storage request", o.Spec.Resources.Requests)
	}
	return bad
}

// checkPod checks what every siftload pod must do.
func checkPod(t *testing.T, file string, ps *corev1.PodSpec) {
	t.Helper()
	if len(ps.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", file, len(ps.Containers))
	}
	c := ps.Containers[0]
	if c.Image == "" || len(c.Command) > 0 || len(c.Args) == 0 {
		t.Errorf("%s: want an image whose entrypoint is siftload and the command line in args", file)
	}
	// The image stays the placeholder the README names, so that one
	// replacement makes the manifests the user's.
	if c.Image != "registry.example.com/siftload:latest" {
		t.Errorf("%s: image %q, want the placeholder registry.example.com/siftload:latest", file, c.Image)
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

func checkClaims(t *testing.T, name string, ps *corev1.PodSpec, claims map[string]*pvc) {
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
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || s.Completions == nil || *s.Completions < 2 {
		t.Fatalf("siftload-analyze: completionMode %v, completions %v; want Indexed with several", s.CompletionMode, s.Completions)
	}
	ac := s.Template.Spec.Containers[0]
	if flagValue(ac.Args, "shard") != "auto" {
		t.Errorf("siftload-analyze: want --shard=auto, have %q", ac.Args)
	}
	if e := envOf(ac, "JOB_COMPLETIONS"); e == nil || e.Value != strconv.Itoa(int(*s.Completions)) {
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
		p := strings.ReplaceAll(part, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(int(i)))
		if ok, _ := path.Match(mc.Args[1], p); !ok {
			t.Errorf("siftload-merge: %q does not match part %s", mc.Args[1], p)
		}
	}
	if merge.Spec.CompletionMode != nil && *merge.Spec.CompletionMode == batchv1.IndexedCompletion {
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
			t.Errorf("%s: want the site read-only at /data/site", j.Name)
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
		if r.Action == batchv1.PodFailurePolicyActionFailJob && r.OnExitCodes != nil &&
			r.OnExitCodes.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && slices.Contains(r.OnExitCodes.Values, int32(code)) {
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

// TestManifestMistakes checks that the decoding and enum checks refuse
// mistakes the hand-written subset of the API let through: each case
// changes one line of a good manifest.
func TestManifestMistakes(t *testing.T) {
	tests := []struct {
		Name     string
		File     string
		Old, New string
		WantErr  string
	}{
		{Name: "UnknownField", File: "analyze-job.yaml", Old: "completionMode: Indexed", New: "completionMod: Indexed", WantErr: "unknown field"},
		{Name: "EnumValue", File: "analyze-job.yaml", Old: "completionMode: Indexed", New: "completionMode: Indexd", WantErr: "completionMode"},
		{Name: "Quantity", File: "analyze-job.yaml", Old: "memory: 1Gi", New: "memory: 1GiB", WantErr: "quantities must match"},
		{Name: "Type", File: "merge-job.yaml", Old: "completions: 1", New: "completions: one", WantErr: "int32"},
		{Name: "Duplicate", File: "merge-job.yaml", Old: "completions: 1", New: "completions: 1\n  completions: 2", WantErr: "already set"},
		{Name: "AccessMode", File: "pvc.yaml", Old: `["ReadWriteMany"]`, New: `["ReadWriteMany", "ReadWriteAll"]`, WantErr: "accessMode"},
		{Name: "FailurePolicyOperator", File: "merge-job.yaml", Old: "operator: In", New: "operator: Is", WantErr: "operator"},
		{Name: "Label", File: "worker-deployment.yaml", Old: "app.kubernetes.io/component: worker", New: "app.kubernetes.io/component: queue worker", WantErr: "label"},
		{Name: "ResourceName", File: "analyze-job.yaml", Old: "memory: 1Gi", New: "mem: 1Gi", WantErr: "resource"},
		{Name: "Good", File: "analyze-job.yaml", Old: "memory: 1Gi", New: "memory: 1Gi"},
	}
	dec := decoder(t)
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("kubernetes", tt.File))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(tt.Old)) {
				t.Fatalf("%s has no %q", tt.File, tt.Old)
			}
			b = bytes.Replace(b, []byte(tt.Old), []byte(tt.New), 1)
			var got []string
			obj, _, err := dec.Decode(b, nil, nil)
			if err != nil {
				got = append(got, err.Error())
			} else {
				got = checkEnums(obj)
			}
			switch {
			case tt.WantErr == "" && len(got) > 0:
				t.Errorf("errors %q, want none", got)
			case tt.WantErr != "" && !strings.Contains(strings.Join(got, "\n"), tt.WantErr):
				t.Errorf("errors %q, want one with %q", got, tt.WantErr)
			}
		})
	}
}
