package check

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// dir is the folder of the manifests.
const dir = ".."

// kustomization is the part of kustomization.yaml that the manifests use;
// decoded strictly, so a misspelt field fails.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// objects are the decoded manifests, by kind.
type objects struct {
	deployments []*appsv1.Deployment
	jobs        []*batchv1.Job
	cronJobs    []*batchv1.CronJob
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	secrets     []*corev1.Secret
	namespaces  []*corev1.Namespace
	pdbs        []*policyv1.PodDisruptionBudget
	all         []metav1.Object
}

// decode decodes one YAML document strictly into the type of its kind.
func (o *objects) decode(t *testing.T, file string, doc []byte) {
	t.Helper()
	var tm metav1.TypeMeta
	require.NoError(t, yaml.Unmarshal(doc, &tm), file)
	var obj metav1.Object
	var err error
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		v := &appsv1.Deployment{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.deployments = append(o.deployments, v)
	case "batch/v1 Job":
		v := &batchv1.Job{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.jobs = append(o.jobs, v)
	case "batch/v1 CronJob":
		v := &batchv1.CronJob{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.cronJobs = append(o.cronJobs, v)
	case "v1 Service":
		v := &corev1.Service{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.services = append(o.services, v)
	case "v1 ConfigMap":
		v := &corev1.ConfigMap{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.configMaps = append(o.configMaps, v)
	case "v1 Secret":
		v := &corev1.Secret{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.secrets = append(o.secrets, v)
	case "v1 Namespace":
		v := &corev1.Namespace{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.namespaces = append(o.namespaces, v)
	case "policy/v1 PodDisruptionBudget":
		v := &policyv1.PodDisruptionBudget{}
		err, obj = yaml.UnmarshalStrict(doc, v), v
		o.pdbs = append(o.pdbs, v)
	default:
		t.Fatalf("%s: unexpected kind %q %q", file, tm.APIVersion, tm.Kind)
	}
	require.NoError(t, err, "%s: %s %s", file, tm.Kind, "does not decode strictly")
	o.all = append(o.all, obj)
}

var separator = regexp.MustCompile(`(?m)^---\s*$`)

// load reads the kustomization and every manifest it lists, and the
// example Secret, and checks that every YAML file of the folder is one of
// them.
func load(t *testing.T) (kustomization, *objects) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	require.NoError(t, err)
	var k kustomization
	require.NoError(t, yaml.UnmarshalStrict(b, &k), "kustomization.yaml")
	require.Equal(t, "Kustomization", k.Kind)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	require.NoError(t, err)
	for _, f := range files {
		name := filepath.Base(f)
		if name != "kustomization.yaml" && name != "secret.example.yaml" {
			assert.Contains(t, k.Resources, name, "a manifest that kustomization.yaml does not list is never applied")
		}
	}
	o := &objects{}
	for _, name := range append(slices.Clone(k.Resources), "secret.example.yaml") {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, "kustomization.yaml lists %s", name)
		for _, doc := range separator.Split(string(b), -1) {
			if strings.TrimSpace(stripComments(doc)) != "" {
				o.decode(t, name, []byte(doc))
			}
		}
	}
	return k, o
}

func stripComments(doc string) string {
	var b bytes.Buffer
	for l := range strings.Lines(doc) {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// pods are the pod templates of the workloads.
func (o *objects) pods() map[string]*corev1.PodSpec {
	out := map[string]*corev1.PodSpec{}
	for _, d := range o.deployments {
		out["Deployment "+d.Name] = &d.Spec.Template.Spec
	}
	for _, j := range o.jobs {
		out["Job "+j.Name] = &j.Spec.Template.Spec
	}
	for _, j := range o.cronJobs {
		out["CronJob "+j.Name] = &j.Spec.JobTemplate.Spec.Template.Spec
	}
	return out
}

func TestManifests(t *testing.T) {
	k, o := load(t)
	require.Len(t, o.deployments, 1)
	require.Len(t, k.Images, 1)
	for _, obj := range o.all {
		if _, ok := obj.(*corev1.Namespace); !ok {
			assert.Equal(t, k.Namespace, obj.GetNamespace(), "%s: its namespace", obj.GetName())
		}
	}
	for where, pod := range o.pods() {
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			at := where + ", container " + c.Name
			assert.Equal(t, k.Images[0].Name, c.Image, "%s: the image kustomization.yaml sets", at)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				assert.Contains(t, c.Resources.Requests, r, "%s: a %s request", at, r)
				assert.Contains(t, c.Resources.Limits, r, "%s: a %s limit", at, r)
			}
			require.NotNil(t, c.SecurityContext, at)
			assert.Equal(t, new(false), c.SecurityContext.AllowPrivilegeEscalation, at)
			assert.Equal(t, new(true), c.SecurityContext.ReadOnlyRootFilesystem, at)
		}
		require.NotNil(t, pod.SecurityContext, where)
		assert.Equal(t, new(true), pod.SecurityContext.RunAsNonRoot, where)
	}
}

// TestTheServer holds the serving container to its probes, its ports and
// its key folder.
func TestTheServer(t *testing.T) {
	_, o := load(t)
	d := o.deployments[0]
	require.Len(t, d.Spec.Template.Spec.Containers, 1)
	c := d.Spec.Template.Spec.Containers[0]
	ports := map[string]bool{}
	for _, p := range c.Ports {
		ports[p.Name] = true
	}
	for name, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		require.NotNil(t, p, "the server has a %s probe", name)
		require.NotNil(t, p.HTTPGet, name)
		assert.True(t, ports[p.HTTPGet.Port.StrVal], "%s probe: port %q is one of the container's", name, p.HTTPGet.Port.String())
	}
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path, "liveness does not touch the database")
	assert.Contains(t, c.Env, corev1.EnvVar{Name: "PIPELINE_MIGRATE_ON_START", Value: "false"}, "the server does not migrate")

	require.Len(t, o.configMaps, 1)
	keyDir := o.configMaps[0].Data["PIPELINE_KEY_DIR"]
	require.NotEmpty(t, keyDir)
	var mount *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		if m.MountPath == keyDir {
			mount = &c.VolumeMounts[i]
		}
	}
	require.NotNil(t, mount, "the keys are mounted at PIPELINE_KEY_DIR")
	assert.True(t, mount.ReadOnly)

	labels := d.Spec.Template.Labels
	for _, s := range o.services {
		for k, v := range s.Spec.Selector {
			assert.Equal(t, v, labels[k], "Service %s selects the pods", s.Name)
		}
		for _, p := range s.Spec.Ports {
			assert.True(t, ports[p.TargetPort.StrVal], "Service %s: target port %q", s.Name, p.TargetPort.String())
		}
	}
	for _, p := range o.pdbs {
		for k, v := range p.Spec.Selector.MatchLabels {
			assert.Equal(t, v, labels[k], "PodDisruptionBudget %s selects the pods", p.Name)
		}
	}
}

// TestTheMigrateStepGetsOnlyTheDatabaseURL: the migrate step (an init
// container or a Job) reads the database URL and nothing secret besides: no
// admin password, no signing keys.
func TestTheMigrateStepGetsOnlyTheDatabaseURL(t *testing.T) {
	_, o := load(t)
	found := 0
	for where, pod := range o.pods() {
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			if !slices.Contains(c.Args, "migrate") {
				continue
			}
			found++
			at := where + ", container " + c.Name
			for _, from := range c.EnvFrom {
				assert.Nil(t, from.SecretRef, "%s: no whole Secret in its environment", at)
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					assert.Equal(t, "PIPELINE_DATABASE_URL", e.ValueFrom.SecretKeyRef.Key, "%s: %s from a Secret", at, e.Name)
				}
				assert.NotEqual(t, "PIPELINE_ADMIN_PASSWORD", e.Name, at)
			}
			assert.Empty(t, c.VolumeMounts, "%s: no key folder", at)
		}
	}
	assert.Equal(t, 1, found, "one migrate step")
}

// TestAuditCheckpointJob: the trail's head is anchored daily, reading the
// database URL only.
func TestAuditCheckpointJob(t *testing.T) {
	_, o := load(t)
	require.Len(t, o.cronJobs, 1)
	j := o.cronJobs[0]
	require.Len(t, j.Spec.JobTemplate.Spec.Template.Spec.Containers, 1)
	c := j.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
	assert.Equal(t, []string{"audit", "checkpoint"}, c.Args)
	assert.Empty(t, c.EnvFrom)
	assert.Empty(t, c.VolumeMounts)
	for _, e := range c.Env {
		assert.Equal(t, "PIPELINE_DATABASE_URL", e.Name)
	}
	assert.NotEqual(t, j.Spec.JobTemplate.Spec.Template.Labels["app.kubernetes.io/name"], "pipeline",
		"its pods are not the Service's endpoints")
}

// TestExampleSecret: the example shows every key the manifests read from
// the Secrets.
func TestExampleSecret(t *testing.T) {
	_, o := load(t)
	keys := map[string]map[string]bool{}
	for _, s := range o.secrets {
		keys[s.Name] = map[string]bool{}
		for k := range s.StringData {
			keys[s.Name][k] = true
		}
	}
	for where, pod := range o.pods() {
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			for _, e := range c.Env {
				if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil {
					assert.True(t, keys[r.SecretKeyRef.Name][r.SecretKeyRef.Key], "%s: %s/%s", where, r.SecretKeyRef.Name, r.SecretKeyRef.Key)
				}
			}
			for _, from := range c.EnvFrom {
				if from.SecretRef != nil {
					assert.Contains(t, keys, from.SecretRef.Name, where)
				}
			}
		}
		for _, v := range pod.Volumes {
			if v.Secret != nil {
				assert.Contains(t, keys, v.Secret.SecretName, where)
			}
		}
	}
}
