// Package xmpptest is the XMPP client of the end-to-end suites (the
// namespace one in e2e/ and the Docker one in e2e/docker): enough of RFC
// 6120 to open a stream, do STARTTLS or direct TLS, log in with SASL PLAIN,
// bind a resource and exchange stanzas; the same over BOSH (XEP-0124/0206,
// bosh.go) and WebSocket (RFC 7395, websocket.go), and XEP-0363 uploads
// (upload.go). Tests only.
package xmpptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Conn is a minimal XMPP client for the end-to-end tests: enough of RFC
// 6120 to open a stream, do STARTTLS, log in with SASL PLAIN, bind a
// resource and exchange stanzas. It reads stanzas as raw XML strings.
type Conn struct {
	// Net is the TCP (or TLS) connection of a stream over TCP; nil over
	// BOSH and WebSocket.
	Net net.Conn
	dec *xml.Decoder
	// web carries the stream over HTTP (BOSH or WebSocket); nil over TCP.
	web      framing
	domain   string
	Features string // the last <stream:features/> seen
	jid      string
	mu       sync.Mutex
	nextID   int
}

// Stanza is one top-level element of the stream.
type Stanza struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   string     `xml:",innerxml"`
}

func (s Stanza) Attr(name string) string {
	for _, a := range s.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// String renders the stanza back as XML, for matching and messages.
func (s Stanza) String() string {
	var b strings.Builder
	b.WriteString("<" + s.XMLName.Local)
	for _, a := range s.Attrs {
		fmt.Fprintf(&b, " %s=%q", a.Name.Local, a.Value)
	}
	b.WriteString(">" + s.Inner + "</" + s.XMLName.Local + ">")
	return b.String()
}

// DialFunc opens a connection (net.Dialer's DialContext, or one inside a
// network namespace).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dial connects to addr and opens a client stream to domain. With
// roots set it does STARTTLS and verifies the server's certificate for
// domain against them; with roots nil the stream stays unencrypted.
func Dial(ctx context.Context, dial DialFunc, addr, domain string, roots *x509.CertPool) (*Conn, error) {
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := &Conn{Net: conn, domain: domain}
	if err := c.Open(); err != nil {
		conn.Close()
		return nil, err
	}
	if roots == nil {
		return c, nil
	}
	if !strings.Contains(c.Features, "urn:ietf:params:xml:ns:xmpp-tls") {
		conn.Close()
		return nil, fmt.Errorf("server offers no STARTTLS: %s", c.Features)
	}
	if _, err := io.WriteString(conn, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"); err != nil {
		return nil, err
	}
	if s, err := c.Next(); err != nil || s.XMLName.Local != "proceed" {
		conn.Close()
		return nil, fmt.Errorf("STARTTLS refused: %v %v", s, err)
	}
	tc := tls.Client(conn, &tls.Config{ServerName: domain, RootCAs: roots, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	c.Net = tc
	if err := c.Open(); err != nil {
		tc.Close()
		return nil, err
	}
	return c, nil
}

// New wraps a connection that is already open (direct TLS, say) for
// domain; Open sends the stream header.
func New(conn net.Conn, domain string) *Conn { return &Conn{Net: conn, domain: domain} }

// framing carries a stream over HTTP, where each element travels whole
// (in a BOSH body or a WebSocket message) instead of in one XML document.
type framing interface {
	// open opens the stream, or restarts it after SASL, and returns the
	// server's features.
	open(domain string) (Stanza, error)
	next() (Stanza, error)
	send(raw string) error
	close()
}

// Open sends a stream header and reads the server's header and features.
func (c *Conn) Open() error {
	var f Stanza
	var err error
	if c.web != nil {
		f, err = c.web.open(c.domain)
	} else {
		f, err = c.openTCP()
	}
	if err != nil {
		return err
	}
	if f.XMLName.Local != "features" {
		return fmt.Errorf("want stream features, got %s", f)
	}
	c.Features = f.String()
	return nil
}

// openTCP sends the stream header on the connection, reads the server's
// and returns the element after it.
func (c *Conn) openTCP() (Stanza, error) {
	_, err := fmt.Fprintf(c.Net, "<?xml version='1.0'?><stream:stream to='%s' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>", c.domain)
	if err != nil {
		return Stanza{}, err
	}
	c.dec = xml.NewDecoder(c.Net)
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return Stanza{}, fmt.Errorf("reading stream header: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "stream" {
			break
		}
	}
	return c.Next()
}

// Next reads the next top-level element.
func (c *Conn) Next() (Stanza, error) {
	if c.web != nil {
		return c.web.next()
	}
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return Stanza{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var s Stanza
			if err := c.dec.DecodeElement(&s, &t); err != nil {
				return Stanza{}, err
			}
			return s, nil
		case xml.EndElement:
			return Stanza{}, fmt.Errorf("the server closed the stream")
		}
	}
}

// AuthPlain logs in with SASL PLAIN, restarts the stream and binds a
// resource.
func (c *Conn) AuthPlain(user, password string) error {
	if !strings.Contains(c.Features, ">PLAIN<") {
		return fmt.Errorf("server does not offer PLAIN: %s", c.Features)
	}
	creds := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if err := c.Send(fmt.Sprintf("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", creds)); err != nil {
		return err
	}
	s, err := c.Next()
	if err != nil {
		return err
	}
	if s.XMLName.Local != "success" {
		return fmt.Errorf("login refused: %s", s)
	}
	if err := c.Open(); err != nil {
		return err
	}
	res, err := c.IQ("set", "", "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>e2e</resource></bind>")
	if err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	if i, j := strings.Index(res, "<jid>"), strings.Index(res, "</jid>"); i >= 0 && j > i {
		c.jid = res[i+5 : j]
	}
	return nil
}

// IQ sends an IQ and waits for its result; an error reply is an error.
func (c *Conn) IQ(typ, to, payload string) (string, error) {
	c.mu.Lock()
	c.nextID++
	id := fmt.Sprintf("e2e%d", c.nextID)
	c.mu.Unlock()
	toAttr := ""
	if to != "" {
		toAttr = fmt.Sprintf(" to='%s'", to)
	}
	if err := c.Send(fmt.Sprintf("<iq type='%s' id='%s'%s>%s</iq>", typ, id, toAttr, payload)); err != nil {
		return "", err
	}
	s, err := c.WaitFor(func(s Stanza) bool { return s.XMLName.Local == "iq" && s.Attr("id") == id })
	if err != nil {
		return "", err
	}
	if s.Attr("type") != "result" {
		return s.String(), fmt.Errorf("iq %s to %q failed: %s", payload, to, s)
	}
	return s.String(), nil
}

// Send writes a raw stanza.
func (c *Conn) Send(raw string) error {
	if c.web != nil {
		return c.web.send(raw)
	}
	_, err := io.WriteString(c.Net, raw)
	return err
}

// WaitFor reads stanzas until one matches (others are dropped).
func (c *Conn) WaitFor(match func(Stanza) bool) (Stanza, error) {
	for {
		s, err := c.Next()
		if err != nil {
			return Stanza{}, err
		}
		if match(s) {
			return s, nil
		}
	}
}

// SignUp registers user on the stream's domain in-band (XEP-0077), with
// an invitation token first (XEP-0401: urn:xmpp:pars:0 preauth) unless
// token is "". The stream must be encrypted and not logged in.
func (c *Conn) SignUp(user, password, token string) error {
	if token != "" {
		if !strings.Contains(c.Features, "urn:xmpp:ibr-token:0") && !strings.Contains(c.Features, "urn:xmpp:invite") {
			return fmt.Errorf("the server announces no invitations: %s", c.Features)
		}
		if _, err := c.IQ("set", "", fmt.Sprintf("<preauth xmlns='urn:xmpp:pars:0' token='%s'/>", Text(token))); err != nil {
			return fmt.Errorf("the invitation token was refused: %w", err)
		}
	}
	if _, err := c.IQ("set", "", fmt.Sprintf("<query xmlns='jabber:iq:register'><username>%s</username><password>%s</password></query>",
		Text(user), Text(password))); err != nil {
		return fmt.Errorf("registering %s@%s: %w", user, c.domain, err)
	}
	return nil
}

// InviteLink is the link prosodyctl shell invite create_account prints
// (13.0.1: "OK: xmpp:JID?register;preauth=TOKEN"): the JID and the token.
var InviteLink = regexp.MustCompile(`xmpp:([^?\s]+)\?register;preauth=([A-Za-z0-9_-]+)`)

// ListModules is an ad-hoc command of mod_admin_adhoc that only admins may
// run (0.12.3 and 13.0.1); it completes at once, listing the host's
// modules.
const ListModules = "http://prosody.im/protocol/modules#list"

// ListModulesOn runs ListModules on domain: nil when it completed with
// the module list, an error when it was refused.
func (c *Conn) ListModulesOn(domain string) error {
	command := fmt.Sprintf("<command xmlns='http://jabber.org/protocol/commands' node='%s' action='execute'/>", ListModules)
	res, err := c.IQ("set", domain, command)
	if err != nil {
		return err
	}
	if !strings.Contains(res, "completed") || !strings.Contains(res, "admin_adhoc") {
		return fmt.Errorf("%s on %s gave no module list: %s", ListModules, domain, res)
	}
	return nil
}

// Text escapes s for XML character data and attribute values.
func Text(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// JoinRoom enters a MUC room (XEP-0045) as "alice" and waits for the room
// to confirm with our own presence (status 110).
func (c *Conn) JoinRoom(room string) error {
	if err := c.Send(fmt.Sprintf("<presence to='%s/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>", room)); err != nil {
		return err
	}
	s, err := c.WaitFor(func(s Stanza) bool {
		return s.XMLName.Local == "presence" && strings.HasPrefix(s.Attr("from"), room+"/")
	})
	if err != nil {
		return fmt.Errorf("joining %s: %w", room, err)
	}
	if s.Attr("type") == "error" || !strings.Contains(s.Inner, "110") {
		return fmt.Errorf("joining %s refused: %s", room, s)
	}
	return nil
}

// JID is the full JID the server bound (after AuthPlain).
func (c *Conn) JID() string { return c.jid }

// Close ends the stream and waits, a second at most, for the server to
// close its side.
func (c *Conn) Close() {
	if c.web != nil {
		c.web.close()
		return
	}
	_, _ = io.WriteString(c.Net, "</stream:stream>")
	_ = c.Net.SetDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, c.Net)
	c.Net.Close()
}
