package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/xmpptest"
)

// web is how clients reach the cell's HTTPS side: every name resolves to
// loopback in the cell's namespace (as the names would resolve to the
// server), and only the cell's trusted certificate is accepted.
func (r *cellRun) web() xmpptest.Web {
	return xmpptest.Web{Dial: loopbackDial(r.ns.dial), Roots: r.roots}
}

// loopbackDial dials 127.0.0.1 at addr's port, whatever name addr has.
func loopbackDial(dial xmpptest.DialFunc) xmpptest.DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return dial(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
}

// webClients: where the answers serve web clients (BOSH and WebSocket on
// the HTTPS port), a BOSH client logs in as alice and a WebSocket client
// as bob, each sends the other a message, and alice shares a file.
func (r *cellRun) webClients() error {
	mods := config.ChosenModules(r.a)
	if r.a.Ports.HTTPS == 0 || !slices.Contains(mods, "bosh") || !slices.Contains(mods, "websocket") {
		return nil
	}
	base := fmt.Sprintf("https://%s:%d", r.a.Primary(), r.a.Ports.HTTPS)
	return webLogins(r.web(), webEndpoints{
		bosh:      base + "/http-bind",
		websocket: "wss" + strings.TrimPrefix(base, "https") + "/xmpp-websocket",
		domain:    r.a.Primary(),
		upload:    r.a.Components.Upload,
		uploadURL: fmt.Sprintf("https://%s:%d/", r.a.Components.Upload, r.a.Ports.HTTPS),
	})
}

// webEndpoints are the URLs web clients use, and the upload component
// with the URL its slots must start with ("" upload: none).
type webEndpoints struct {
	bosh, websocket, domain, upload, uploadURL string
	// uploadSize is the size of the shared file; 0: a line of text.
	uploadSize int
}

// webLogins logs alice in over BOSH and bob over WebSocket at the
// endpoints, has each send the other a message, and (with an upload
// component) has alice upload a file and fetch it back from a slot whose
// URLs start with uploadURL.
func webLogins(web xmpptest.Web, e webEndpoints) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	alice, err := xmpptest.DialBOSH(ctx, web, e.bosh, e.domain)
	if err != nil {
		return fmt.Errorf("BOSH at %s: %w", e.bosh, err)
	}
	defer alice.Close()
	if err := alice.AuthPlain("alice", e2ePasswordAlice); err != nil {
		return fmt.Errorf("BOSH login as alice at %s: %w", e.bosh, err)
	}
	bob, err := xmpptest.DialWebSocket(ctx, web, e.websocket, e.domain)
	if err != nil {
		return fmt.Errorf("WebSocket at %s: %w", e.websocket, err)
	}
	defer bob.Close()
	if err := bob.AuthPlain("bob", e2ePasswordBob); err != nil {
		return fmt.Errorf("WebSocket login as bob at %s: %w", e.websocket, err)
	}
	// Available presence: a message to a bare JID goes to an available
	// resource (else it is stored offline).
	for _, c := range []*xmpptest.Conn{alice, bob} {
		if err := c.Send("<presence/>"); err != nil {
			return err
		}
	}
	if err := exchange(alice, bob, "BOSH", "WebSocket"); err != nil {
		return err
	}
	if err := exchange(bob, alice, "WebSocket", "BOSH"); err != nil {
		return err
	}
	if e.upload == "" {
		return nil
	}
	body := []byte(fmt.Sprintf("shared over the web side at %s\n", time.Now().Format(time.RFC3339Nano)))
	if e.uploadSize > 0 {
		body = bytes.Repeat(body, e.uploadSize/len(body)+1)[:e.uploadSize]
	}
	slot, err := alice.Upload(ctx, web, e.upload, "web.txt", "text/plain", body)
	if err != nil {
		return fmt.Errorf("upload as alice (BOSH): %w", err)
	}
	for _, u := range []string{slot.Put, slot.Get} {
		if !strings.HasPrefix(u, e.uploadURL) {
			return fmt.Errorf("the upload slot's URL %s does not start with %s", u, e.uploadURL)
		}
	}
	return nil
}

// exchange sends a message from one client to the other's full JID and
// waits for it.
func exchange(from, to *xmpptest.Conn, fromName, toName string) error {
	text := fmt.Sprintf("from %s to %s at %d", fromName, toName, time.Now().UnixNano())
	if err := from.Send(fmt.Sprintf("<message to='%s' type='chat'><body>%s</body></message>", xmpptest.Text(to.JID()), text)); err != nil {
		return fmt.Errorf("%s client sending: %w", fromName, err)
	}
	if _, err := to.WaitFor(func(s xmpptest.Stanza) bool {
		return s.XMLName.Local == "message" && strings.Contains(s.Inner, text)
	}); err != nil {
		return fmt.Errorf("the %s client did not get the %s client's message: %w", toName, fromName, err)
	}
	return nil
}

// TestEndToEndCatchesNoWebSocket: with mod_websocket dropped from the
// generated config, the web clients step must fail at the WebSocket
// handshake (Prosody answers 404 there).
func TestEndToEndCatchesNoWebSocket(t *testing.T) {
	mustCatch(t, "no-websocket", "a config without mod_websocket", func(cfg string) string {
		return strings.Replace(cfg, `"websocket";`, "", 1)
	}, "no-websocket", "web clients", "WebSocket at", "not 101")
}
