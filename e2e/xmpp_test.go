package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// xmppConn is a minimal XMPP client for the end-to-end tests: enough of RFC
// 6120 to open a stream, do STARTTLS, log in with SASL PLAIN, bind a
// resource and exchange stanzas. It reads stanzas as raw XML strings.
type xmppConn struct {
	conn     net.Conn
	dec      *xml.Decoder
	domain   string
	features string // the last <stream:features/> seen
	jid      string
	mu       sync.Mutex
	nextID   int
}

// stanza is one top-level element of the stream.
type stanza struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   string     `xml:",innerxml"`
}

func (s stanza) attr(name string) string {
	for _, a := range s.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// String renders the stanza back as XML, for matching and messages.
func (s stanza) String() string {
	var b strings.Builder
	b.WriteString("<" + s.XMLName.Local)
	for _, a := range s.Attrs {
		fmt.Fprintf(&b, " %s=%q", a.Name.Local, a.Value)
	}
	b.WriteString(">" + s.Inner + "</" + s.XMLName.Local + ">")
	return b.String()
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// dialXMPP connects to addr and opens a client stream to domain. With
// roots set it does STARTTLS and verifies the server's certificate for
// domain against them; with roots nil the stream stays unencrypted.
func dialXMPP(ctx context.Context, dial dialFunc, addr, domain string, roots *x509.CertPool) (*xmppConn, error) {
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := &xmppConn{conn: conn, domain: domain}
	if err := c.open(); err != nil {
		conn.Close()
		return nil, err
	}
	if roots == nil {
		return c, nil
	}
	if !strings.Contains(c.features, "urn:ietf:params:xml:ns:xmpp-tls") {
		conn.Close()
		return nil, fmt.Errorf("server offers no STARTTLS: %s", c.features)
	}
	if _, err := io.WriteString(conn, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"); err != nil {
		return nil, err
	}
	if s, err := c.next(); err != nil || s.XMLName.Local != "proceed" {
		conn.Close()
		return nil, fmt.Errorf("STARTTLS refused: %v %v", s, err)
	}
	tc := tls.Client(conn, &tls.Config{ServerName: domain, RootCAs: roots, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	c.conn = tc
	if err := c.open(); err != nil {
		tc.Close()
		return nil, err
	}
	return c, nil
}

// open sends a stream header and reads the server's header and features.
func (c *xmppConn) open() error {
	_, err := fmt.Fprintf(c.conn, "<?xml version='1.0'?><stream:stream to='%s' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>", c.domain)
	if err != nil {
		return err
	}
	c.dec = xml.NewDecoder(c.conn)
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return fmt.Errorf("reading stream header: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "stream" {
			break
		}
	}
	f, err := c.next()
	if err != nil {
		return err
	}
	if f.XMLName.Local != "features" {
		return fmt.Errorf("want stream features, got %s", f)
	}
	c.features = f.String()
	return nil
}

// next reads the next top-level element.
func (c *xmppConn) next() (stanza, error) {
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return stanza{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var s stanza
			if err := c.dec.DecodeElement(&s, &t); err != nil {
				return stanza{}, err
			}
			return s, nil
		case xml.EndElement:
			return stanza{}, fmt.Errorf("the server closed the stream")
		}
	}
}

// authPlain logs in with SASL PLAIN, restarts the stream and binds a
// resource.
func (c *xmppConn) authPlain(user, password string) error {
	if !strings.Contains(c.features, ">PLAIN<") {
		return fmt.Errorf("server does not offer PLAIN: %s", c.features)
	}
	creds := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if _, err := fmt.Fprintf(c.conn, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", creds); err != nil {
		return err
	}
	s, err := c.next()
	if err != nil {
		return err
	}
	if s.XMLName.Local != "success" {
		return fmt.Errorf("login refused: %s", s)
	}
	if err := c.open(); err != nil {
		return err
	}
	res, err := c.iq("set", "", "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>e2e</resource></bind>")
	if err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	if i, j := strings.Index(res, "<jid>"), strings.Index(res, "</jid>"); i >= 0 && j > i {
		c.jid = res[i+5 : j]
	}
	return nil
}

// iq sends an IQ and waits for its result; an error reply is an error.
func (c *xmppConn) iq(typ, to, payload string) (string, error) {
	c.mu.Lock()
	c.nextID++
	id := fmt.Sprintf("e2e%d", c.nextID)
	c.mu.Unlock()
	toAttr := ""
	if to != "" {
		toAttr = fmt.Sprintf(" to='%s'", to)
	}
	if _, err := fmt.Fprintf(c.conn, "<iq type='%s' id='%s'%s>%s</iq>", typ, id, toAttr, payload); err != nil {
		return "", err
	}
	s, err := c.waitFor(func(s stanza) bool { return s.XMLName.Local == "iq" && s.attr("id") == id })
	if err != nil {
		return "", err
	}
	if s.attr("type") != "result" {
		return s.String(), fmt.Errorf("iq %s to %q failed: %s", payload, to, s)
	}
	return s.String(), nil
}

// send writes a raw stanza.
func (c *xmppConn) send(raw string) error {
	_, err := io.WriteString(c.conn, raw)
	return err
}

// waitFor reads stanzas until one matches (others are dropped).
func (c *xmppConn) waitFor(match func(stanza) bool) (stanza, error) {
	for {
		s, err := c.next()
		if err != nil {
			return stanza{}, err
		}
		if match(s) {
			return s, nil
		}
	}
}

// joinRoom enters a MUC room (XEP-0045) as "alice" and waits for the room
// to confirm with our own presence (status 110).
func (c *xmppConn) joinRoom(room string) error {
	if err := c.send(fmt.Sprintf("<presence to='%s/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>", room)); err != nil {
		return err
	}
	s, err := c.waitFor(func(s stanza) bool {
		return s.XMLName.Local == "presence" && strings.HasPrefix(s.attr("from"), room+"/")
	})
	if err != nil {
		return fmt.Errorf("joining %s: %w", room, err)
	}
	if s.attr("type") == "error" || !strings.Contains(s.Inner, "110") {
		return fmt.Errorf("joining %s refused: %s", room, s)
	}
	return nil
}

func (c *xmppConn) close() {
	_, _ = io.WriteString(c.conn, "</stream:stream>")
	_ = c.conn.SetDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, c.conn)
	c.conn.Close()
}
