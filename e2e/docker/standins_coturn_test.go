package dockere2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// standinTURNPort is the stand-in test's own TURN port (not 3478, which
// other tests use on the host), on the test's own network.
const standinTURNPort = 13478

// checkStandinCoturn: the command compose.yaml gives coturn (its options
// only: -c FILE --realm=… --use-auth-secret --static-auth-secret=…) runs
// turnserver as user 1000:1000; it answers a STUN binding on the test's
// network, grants an allocation for credentials made from the secret
// (TURN REST API) and refuses them from another secret; an argument the
// official entrypoint would mangle is refused; docker stop ends it cleanly.
func checkStandinCoturn(t *testing.T, e *standinEnv, image string) {
	conf := filepath.Join(t.TempDir(), "turnserver.conf")
	err := os.WriteFile(conf, fmt.Appendf(nil, `listening-port=%d
fingerprint
no-tls
no-dtls
no-cli
no-software-attribute
min-port=49152
max-port=49171
denied-peer-ip=127.0.0.0-127.255.255.255
log-file=stdout
simple-log
`, standinTURNPort), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "STANDINSECRET0123456789"
	c := e.start("--user", "1000:1000", "-v", conf+":/etc/coturn/turnserver.conf:ro", image,
		"-c", "/etc/coturn/turnserver.conf", "--realm=example.org", "--use-auth-secret", "--static-auth-secret="+secret)
	ip := e.must(30*time.Second, "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", c)
	addr := net.JoinHostPort(ip, fmt.Sprint(standinTURNPort))
	e.wait("a STUN binding answered on UDP "+addr, 30*time.Second, func() (bool, string) {
		if err := standinSTUNBinding(addr); err != nil {
			logs, _ := e.docker(10*time.Second, "logs", "--tail", "10", c)
			return false, err.Error() + "\n" + logs
		}
		return true, ""
	})

	allocate := func(key string) string {
		user := fmt.Sprintf("%d:standin", time.Now().Add(time.Hour).Unix())
		mac := hmac.New(sha1.New, []byte(key))
		mac.Write([]byte(user))
		out, _ := e.docker(time.Minute, "exec", c, "timeout", "20", "turnutils_uclient", "-u", user,
			"-w", base64.StdEncoding.EncodeToString(mac.Sum(nil)), "-p", fmt.Sprint(standinTURNPort),
			"-n", "1", "-m", "1", "-e", "127.0.0.1", ip)
		return out
	}
	// The allocation is granted; the relay to the loopback peer is then
	// refused by the config, which is turnserver's own answer.
	if out := allocate(secret); !strings.Contains(out, "Forbidden IP") {
		t.Fatalf("no allocation with credentials from the secret:\n%s", out)
	}
	if out := allocate("another secret"); !strings.Contains(out, "Cannot complete Allocation") || strings.Contains(out, "Forbidden IP") {
		t.Fatalf("credentials from another secret were not refused:\n%s", out)
	}
	if uid := e.must(30*time.Second, "exec", c, "sh", "-c", `for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = turnserver ] && awk '/^Uid:/ {print $2}' $p/status; done; true`); uid != "1000" {
		t.Fatalf("turnserver runs as uid %s, want 1000 (compose's user)", uid)
	}
	if out, err := e.once(time.Minute, image, "-c", "/dev/null", "--static-auth-secret=a$b"); err == nil || !strings.Contains(out, "refusing") {
		t.Fatalf("an argument the official entrypoint's eval would change was not refused: %q, %v", out, err)
	}
	e.stop(c, 10*time.Second)
}

// standinSTUNBinding sends one STUN Binding request (RFC 8489) to addr
// over UDP and waits a second for the success response that matches it.
func standinSTUNBinding(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	req := make([]byte, 20)
	binary.BigEndian.PutUint16(req[0:], 0x0001) // Binding request, no attributes
	binary.BigEndian.PutUint32(req[4:], 0x2112A442)
	if _, err := rand.Read(req[8:]); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write(req); err != nil {
		return err
	}
	resp := make([]byte, 1500)
	for {
		n, err := conn.Read(resp)
		if err != nil {
			return err
		}
		if n >= 20 && binary.BigEndian.Uint16(resp[0:]) == 0x0101 && bytes.Equal(resp[4:20], req[4:20]) {
			return nil
		}
	}
}
