package dockere2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"prosody-wizard/internal/kubecheck"
)

// A pod on the Docker Engine: the rendered StatefulSet's pod template
// turned into one docker run, with its volumes made on the host the way
// kubelet makes them. Everything comes from the rendered objects, so a
// wrong name, path or mode in the manifests shows as a failing pod.

// podMirror is the docker run of one pod and the host folders its
// volumes are made in.
type podMirror struct {
	name string   // the container's name
	args []string // docker run's arguments, image and command included
	env  []string // KEY=value for the -e KEY flags, through docker's environment
	// volumes maps each volume of the pod to its folder on the host.
	volumes map[string]string
	// fsGroup is the group kubelet gives the volumes (-1: none).
	fsGroup int
	// probe is the startup probe's command; probeLimit its bound
	// (periodSeconds × failureThreshold).
	probe      []string
	probeLimit time.Duration
	uid        int
}

// secretSource gives a Secret's data by name: the rendered ones, and the
// ones the cluster makes (cert-manager's prosody-tls).
type secretSource func(name string) (map[string][]byte, error)

// mirrorPod builds the docker run of the StatefulSet's pod: volumes under
// dir, the image and the command from the container, the security context
// as docker flags, envFrom Secrets as -e KEY, and publish as
// containerPort→host port on 127.0.0.1.
func mirrorPod(sts *appsv1.StatefulSet, objs []kubecheck.Object, secrets secretSource, dir, name, network string, publish map[int32]int) (*podMirror, error) {
	spec := sts.Spec.Template.Spec
	if len(spec.Containers) != 1 || len(spec.InitContainers) > 0 {
		return nil, fmt.Errorf("the pod has %d containers and %d init containers; the mirror runs one container", len(spec.Containers), len(spec.InitContainers))
	}
	c := spec.Containers[0]
	m := &podMirror{name: name, volumes: map[string]string{}, fsGroup: -1}
	psc := spec.SecurityContext
	if psc == nil || c.SecurityContext == nil {
		return nil, fmt.Errorf("the pod or its container has no securityContext")
	}
	// Kubernetes ignores an image's HEALTHCHECK: the probes are the pod's.
	args := []string{"run", "-d", "--name", name, "--hostname", sts.Name + "-0", "--label", "prosody-wizard.test=" + name, "--no-healthcheck"}
	if network != "" {
		args = append(args, "--network", network)
	}
	if psc.RunAsUser == nil {
		return nil, fmt.Errorf("the pod names no runAsUser")
	}
	m.uid = int(*psc.RunAsUser)
	user := strconv.FormatInt(*psc.RunAsUser, 10)
	if psc.RunAsGroup != nil {
		user += ":" + strconv.FormatInt(*psc.RunAsGroup, 10)
	}
	args = append(args, "--user", user)
	if psc.FSGroup != nil {
		m.fsGroup = int(*psc.FSGroup)
		args = append(args, "--group-add", strconv.FormatInt(*psc.FSGroup, 10))
	}
	for _, g := range psc.SupplementalGroups {
		args = append(args, "--group-add", strconv.FormatInt(g, 10))
	}
	csc := c.SecurityContext
	if csc.ReadOnlyRootFilesystem != nil && *csc.ReadOnlyRootFilesystem {
		args = append(args, "--read-only")
	}
	if csc.AllowPrivilegeEscalation != nil && !*csc.AllowPrivilegeEscalation {
		args = append(args, "--security-opt", "no-new-privileges")
	}
	if csc.Capabilities != nil {
		for _, cap := range csc.Capabilities.Drop {
			args = append(args, "--cap-drop", string(cap))
		}
		for _, cap := range csc.Capabilities.Add {
			args = append(args, "--cap-add", string(cap))
		}
	}
	if mem, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		args = append(args, "--memory", strconv.FormatInt(mem.Value(), 10))
	}
	// The environment: envFrom Secrets and plain env, each as -e KEY with
	// the value in docker's own environment (never on a command line).
	for _, from := range c.EnvFrom {
		if from.SecretRef == nil {
			return nil, fmt.Errorf("envFrom other than a Secret: %+v", from)
		}
		data, err := secrets(from.SecretRef.Name)
		if err != nil {
			return nil, err
		}
		for _, key := range sortedKeys(data) {
			args = append(args, "-e", from.Prefix+key)
			m.env = append(m.env, from.Prefix+key+"="+string(data[key]))
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, fmt.Errorf("env %s: valueFrom is not mirrored", e.Name)
		}
		args = append(args, "-e", e.Name)
		m.env = append(m.env, e.Name+"="+e.Value)
	}
	for _, p := range c.Ports {
		if host, ok := publish[p.ContainerPort]; ok {
			args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:%d", host, p.ContainerPort))
		}
	}
	// The volumes, each made once, then each mount.
	for _, v := range spec.Volumes {
		folder := filepath.Join(dir, "volumes", v.Name)
		if err := makeVolume(v, objs, secrets, folder, m.fsGroup); err != nil {
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		m.volumes[v.Name] = folder
	}
	for _, vm := range c.VolumeMounts {
		i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == vm.Name })
		if i < 0 {
			return nil, fmt.Errorf("volumeMount %s names no volume of the pod", vm.Name)
		}
		v := spec.Volumes[i]
		if v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory {
			opt := "type=tmpfs,destination=" + vm.MountPath + ",tmpfs-mode=0777"
			if v.EmptyDir.SizeLimit != nil {
				opt += ",tmpfs-size=" + strconv.FormatInt(v.EmptyDir.SizeLimit.Value(), 10)
			}
			args = append(args, "--mount", opt)
			continue
		}
		src := m.volumes[vm.Name]
		if vm.SubPath != "" {
			// kubelet bind-mounts the file itself, resolved through ..data.
			real, err := filepath.EvalSymlinks(filepath.Join(src, vm.SubPath))
			if err != nil {
				return nil, fmt.Errorf("volumeMount %s: subPath %s: %w", vm.Name, vm.SubPath, err)
			}
			src = real
		}
		opt := "type=bind,source=" + src + ",destination=" + vm.MountPath
		if vm.ReadOnly {
			opt += ",readonly"
		}
		args = append(args, "--mount", opt)
	}
	if c.Image == "" {
		return nil, fmt.Errorf("the container names no image")
	}
	if len(c.Command) > 0 {
		args = append(args, "--entrypoint", c.Command[0], c.Image)
		args = append(args, c.Command[1:]...)
	} else {
		args = append(args, c.Image)
	}
	args = append(args, c.Args...)
	m.args = args
	if c.StartupProbe == nil || c.StartupProbe.Exec == nil {
		return nil, fmt.Errorf("the container has no exec startupProbe")
	}
	m.probe = c.StartupProbe.Exec.Command
	m.probeLimit = time.Duration(c.StartupProbe.PeriodSeconds*c.StartupProbe.FailureThreshold) * time.Second
	return m, nil
}

// makeVolume makes one volume's folder as kubelet does: ConfigMap and
// Secret volumes with the atomic writer's layout, a persistent volume as
// an empty folder; then fsGroup's ownership (see fsGroupOwn).
func makeVolume(v corev1.Volume, objs []kubecheck.Object, secrets secretSource, folder string, fsGroup int) error {
	switch {
	case v.ConfigMap != nil:
		o, ok := kubecheck.Find(objs, "ConfigMap", v.ConfigMap.Name)
		if !ok {
			return fmt.Errorf("no ConfigMap %s among the rendered objects", v.ConfigMap.Name)
		}
		cm := o.Typed.(*corev1.ConfigMap)
		data := map[string][]byte{}
		for k, s := range cm.Data {
			data[k] = []byte(s)
		}
		for k, b := range cm.BinaryData {
			data[k] = b
		}
		files, err := projected(data, v.ConfigMap.Items, v.ConfigMap.DefaultMode)
		if err != nil {
			return err
		}
		return atomicWrite(folder, files, fsGroup, false)
	case v.Secret != nil:
		data, err := secrets(v.Secret.SecretName)
		if err != nil {
			return err
		}
		files, err := projected(data, v.Secret.Items, v.Secret.DefaultMode)
		if err != nil {
			return err
		}
		return atomicWrite(folder, files, fsGroup, false)
	case v.PersistentVolumeClaim != nil:
		// A new, empty volume: root's folder, 0755, as most provisioners
		// make it; then fsGroup's group and setgid g+rwx.
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return err
		}
		return fsGroupOwn(folder, fsGroup, false)
	case v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory:
		return nil // a tmpfs of docker's
	}
	return fmt.Errorf("a kind of volume the mirror does not make: %+v", v.VolumeSource)
}

// podFile is one file of a ConfigMap or Secret volume.
type podFile struct {
	name string
	data []byte
	mode os.FileMode
}

// projected are the files a volume shows: the items (key → path, their
// mode or defaultMode), or every key under its own name; defaultMode is
// 0644 when unset, as the API server defaults it.
func projected(data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32) ([]podFile, error) {
	mode := os.FileMode(0o644)
	if defaultMode != nil {
		mode = os.FileMode(*defaultMode)
	}
	var files []podFile
	if len(items) == 0 {
		for _, k := range sortedKeys(data) {
			files = append(files, podFile{k, data[k], mode})
		}
		return files, nil
	}
	for _, it := range items {
		b, ok := data[it.Key]
		if !ok {
			return nil, fmt.Errorf("no key %s", it.Key)
		}
		f := podFile{it.Path, b, mode}
		if it.Mode != nil {
			f.mode = os.FileMode(*it.Mode)
		}
		files = append(files, f)
	}
	return files, nil
}

// atomicWrite lays files out the way kubelet's atomic writer does: a
// ..<timestamp> folder with the files, a ..data symlink to it (swapped by
// a rename), a top-level symlink name → ..data/name for each file, and the
// previous ..<timestamp> folder removed. Files are root's, of fsGroup's
// group (see fsGroupOwn). Run again on a folder, it is kubelet's update
// (a Secret's new contents).
func atomicWrite(folder string, files []podFile, fsGroup int, update bool) error {
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return err
	}
	old, _ := os.Readlink(filepath.Join(folder, "..data"))
	ts := "..2026_" + time.Now().UTC().Format("01_02_15_04_05.000000000")
	tsDir := filepath.Join(folder, ts)
	if err := os.Mkdir(tsDir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(tsDir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(p, f.mode); err != nil {
			return err
		}
	}
	if err := fsGroupOwn(tsDir, fsGroup, true); err != nil {
		return err
	}
	tmp := filepath.Join(folder, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(folder, "..data")); err != nil {
		return err
	}
	for _, f := range files {
		top, _, _ := strings.Cut(f.name, "/")
		link := filepath.Join(folder, top)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", top), link); err != nil {
			return err
		}
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(folder, old)); err != nil {
			return err
		}
	}
	return fsGroupOwn(folder, fsGroup, true)
}

// fsGroupOwn does what kubelet does for fsGroup (SetVolumeOwnership):
// each file and folder gets the group fsGroup, files g+r (read-only
// volumes) or g+rw, folders also setgid and g+x. Without fsGroup nothing
// changes. Symlinks get the group only.
func fsGroupOwn(root string, fsGroup int, readOnly bool) error {
	if fsGroup < 0 {
		return nil
	}
	mask := os.FileMode(0o660)
	if readOnly {
		mask = 0o440
	}
	return filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, 0, fsGroup); err != nil {
			return err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			return nil
		}
		mode := info.Mode().Perm() | mask
		if info.IsDir() {
			mode |= os.ModeSetgid | 0o110
		}
		return os.Chmod(p, mode)
	})
}

// sortedKeys are a map's keys in order.
func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
