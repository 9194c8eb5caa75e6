package dockere2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// project is one generated repo under Docker Compose, as the test's own
// project: every container, network, volume and image it makes carries
// the project's name, and remove deletes them all by that name.
type project struct {
	name     string // COMPOSE_PROJECT_NAME: pwdock-<cell>-<pid>
	dir      string // the generated repo, as the CLI wrote it
	override string // the test's compose file naming stand-ins; "" = none
	// volumes are the volumes seen mounted in the project's containers,
	// anonymous ones (an image's VOLUME nothing is mounted on) included,
	// which carry no project label.
	volumes map[string]bool
}

// noteVolumes adds the volumes the project's containers mount now.
func (p *project) noteVolumes() {
	list, err := p.containers()
	if err != nil {
		return
	}
	for _, c := range list {
		out, _ := exec.Command("docker", "inspect", "--format", `{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}`, c.ID).Output()
		for _, v := range strings.Fields(string(out)) {
			if p.volumes == nil {
				p.volumes = map[string]bool{}
			}
			p.volumes[v] = true
		}
	}
}

// env is the environment every compose command of the project runs with:
// the test's project name (overriding compose.yaml's name:, so runs never
// meet) and the override file after compose.yaml. A person's commands
// (docker compose exec prosody …) then reach this project unchanged.
func (p *project) env() []string {
	files := "compose.yaml"
	if p.override != "" {
		files += string(os.PathListSeparator) + p.override
	}
	return append(os.Environ(), "COMPOSE_PROJECT_NAME="+p.name, "COMPOSE_FILE="+files)
}

// compose runs docker compose ARGS in the repo, bounded by limit, and
// returns its combined output; the error has the output in it.
func (p *project) compose(limit time.Duration, args ...string) (string, error) {
	return p.run(limit, "", append([]string{"docker", "compose"}, args...)...)
}

// shell runs one line of text the way a person pastes it into a shell in
// the repo folder (the README's commands), with stdin; bounded by limit.
func (p *project) shell(limit time.Duration, stdin, line string) (string, error) {
	return p.run(limit, stdin, "sh", "-c", line)
}

func (p *project) run(limit time.Duration, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = p.dir
	cmd.Env = p.env()
	cmd.Stdin = strings.NewReader(stdin)
	// A command killed at the limit may leave children holding the
	// output open; don't wait for them past a second.
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("%s: still running after %v (killed)\n%s", strings.Join(args, " "), limit, out)
	}
	if err != nil {
		return string(out), fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// container is what docker compose ps --format json says of one.
type container struct {
	ID      string `json:"ID"`
	Service string `json:"Service"`
}

// containers lists the project's containers, stopped ones too.
func (p *project) containers() ([]container, error) {
	out, err := p.compose(30*time.Second, "ps", "--all", "--format", "json")
	if err != nil {
		return nil, err
	}
	var list []container
	// Compose prints one JSON object per line.
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var c container
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("docker compose ps: %v in %q", err, line)
		}
		list = append(list, c)
	}
	return list, nil
}

// state is what docker inspect says of a container: its status, how
// often its restart policy restarted it, and its health ("none" without a
// healthcheck).
type state struct {
	service, status, health string
	restarts                int
}

// states inspects the project's containers.
func (p *project) states() ([]state, error) {
	list, err := p.containers()
	if err != nil || len(list) == 0 {
		return nil, err
	}
	args := []string{"inspect", "--format", `{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{.RestartCount}} {{if .Config.Healthcheck}}{{if .State.Health}}{{.State.Health.Status}}{{else}}starting{{end}}{{else}}none{{end}}`}
	for _, c := range list {
		args = append(args, c.ID)
	}
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("docker inspect: %v\n%s", err, out)
	}
	var states []state
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var st state
		if _, err := fmt.Sscan(line, &st.service, &st.status, &st.restarts, &st.health); err != nil {
			return nil, fmt.Errorf("docker inspect: %v in %q", err, line)
		}
		states = append(states, st)
	}
	return states, nil
}

// waitHealthy waits, at most limit, until each service of want has one
// container, running, and healthy where it has a healthcheck. A container
// that exits, restarts (its restart policy at work) or turns unhealthy
// fails at once, with its logs.
func (p *project) waitHealthy(limit time.Duration, want []string) error {
	deadline := time.Now().Add(limit)
	for {
		states, err := p.states()
		if err != nil {
			return err
		}
		ready := 0
		var seen []string
		for _, st := range states {
			seen = append(seen, fmt.Sprintf("%s=%s/%s", st.service, st.status, st.health))
			switch {
			case st.status == "exited" || st.status == "dead" || st.status == "restarting" || st.restarts > 0 || st.health == "unhealthy":
				logs, _ := p.compose(30*time.Second, "logs", "--no-color", st.service)
				return fmt.Errorf("service %s is %s, health %s, restarted %d times:\n%s", st.service, st.status, st.health, st.restarts, lastLines(logs, 40))
			case st.status == "running" && (st.health == "none" || st.health == "healthy"):
				ready++
			}
		}
		if ready == len(want) && len(states) == len(want) {
			p.noteVolumes()
			return nil
		}
		if time.Now().After(deadline) {
			logs, _ := p.compose(30*time.Second, "logs", "--no-color")
			return fmt.Errorf("not every service healthy within %v (want %v; last: %s)\n%s", limit, want, strings.Join(seen, " "), lastLines(logs, 60))
		}
		time.Sleep(time.Second)
	}
}

// leftovers lists what of the project is still on the engine: containers,
// networks, volumes (by compose's project label) and images (by name).
func (p *project) leftovers() []string {
	label := "label=com.docker.compose.project=" + p.name
	var left []string
	for _, q := range [][]string{
		{"ps", "-aq", "--filter", label},
		{"network", "ls", "-q", "--filter", label},
		{"volume", "ls", "-q", "--filter", label},
		{"image", "ls", "-q", "--filter", "reference=" + p.name + "-*"},
	} {
		out, err := exec.Command("docker", q...).Output()
		if err != nil {
			left = append(left, fmt.Sprintf("docker %s: %v", strings.Join(q, " "), err))
			continue
		}
		for _, id := range strings.Fields(string(out)) {
			left = append(left, q[0]+" "+id)
		}
	}
	return left
}

// remove deletes everything the project made: containers, networks,
// volumes and its built images, then checks nothing is left. It runs after
// every cell, also after a failure.
func (p *project) remove() error {
	out, err := p.compose(2*time.Minute, "down", "--volumes", "--remove-orphans", "--rmi", "local", "--timeout", "5")
	p.noteVolumes()
	left := p.leftovers()
	// Anonymous volumes of containers that an earlier plain down removed
	// are the project's too: down -v no longer knows them.
	for v := range p.volumes {
		if exec.Command("docker", "volume", "inspect", v).Run() == nil {
			if rm, err := exec.Command("docker", "volume", "rm", v).CombinedOutput(); err != nil {
				left = append(left, fmt.Sprintf("volume %s (%s)", v, strings.TrimSpace(string(rm))))
			}
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("left on the engine after docker compose down: %v (down: %v)\n%s", left, err, out)
	}
	return nil
}

// noNamelessVolumes: after a plain docker compose down, no volume seen
// mounted in the project's containers is left but its named ones (which
// carry the project's label and hold data on purpose). A nameless one is
// an image's VOLUME that compose.yaml mounts nothing on: every down would
// leave one more behind on the user's machine.
func (p *project) noNamelessVolumes() error {
	var left []string
	for v := range p.volumes {
		out, err := exec.Command("docker", "volume", "inspect", "--format", `{{index .Labels "com.docker.compose.project"}}`, v).Output()
		if err == nil && strings.TrimSpace(string(out)) != p.name {
			left = append(left, v)
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("docker compose down left nameless volumes behind: %v", left)
	}
	return nil
}

// dataOwners lists the files under the repo's data/ not owned by uid:gid.
func dataOwners(dir string, uid, gid int) ([]string, int, error) {
	var wrong []string
	n := 0
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		n++
		u, g := ownerOf(info)
		if u != uid || g != gid {
			rel, _ := filepath.Rel(dir, path)
			wrong = append(wrong, fmt.Sprintf("%s (%d:%d)", rel, u, g))
		}
		return nil
	})
	return wrong, n, err
}

// lastLines is the end of a long output, for error messages.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// hasLine reports whether text has line on a line of its own.
func hasLine(text, line string) bool {
	return bytes.Contains([]byte("\n"+text+"\n"), []byte("\n"+line+"\n"))
}
