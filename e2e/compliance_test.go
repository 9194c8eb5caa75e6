package e2e

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"prosody-wizard/config"
	"prosody-wizard/internal/xmpptest"
)

// compliance checks, with the default answers, the server features of
// XEP-0479 (XMPP Compliance Suites 2023, Advanced IM Server) that a client
// can see without DNS: in the stream features, in disco#info of the server
// and of an account, and on the components; the contact addresses in the
// server's disco#info form (XEP-0157, XEP-0128); a login over direct TLS
// on 5223 (XEP-0368), the default; and the STUN and TURN services offered
// (XEP-0215). The checks that need public DNS or a public CA are listed
// in the test log (xep0479LeftOut), not run.
func (r *cellRun) compliance() error {
	if !r.cell.defaults {
		return nil
	}
	if err := r.asAlice(r.complianceAs); err != nil {
		return err
	}
	if err := r.directTLSCompliance(); err != nil {
		return err
	}
	for _, c := range xep0479LeftOut {
		r.t.Logf("XEP-0479 check left out (%s): %s", c.needs, c.what)
	}
	return nil
}

// xep0479LeftOut are the checks of the compliance testers (XEP-0479,
// compliance.conversations.im) that no test here can make: they need the
// public DNS or a certificate from a public CA, which a test on loopback
// has neither of.
var xep0479LeftOut = []struct{ what, needs string }{
	{"SRV records _xmpp-client, _xmpps-client and _xmpp-server resolve to the server (RFC 6120, XEP-0368); the records are in dns.zone", "public DNS"},
	{"DNSSEC-signed zone and DANE TLSA records (RFC 7673)", "public DNS"},
	{"a certificate a public CA signed, valid for every domain and component (RFC 6125); tls.mode letsencrypt gets one", "a public CA"},
	{"federation: another server connects to s2s on 5269 and authenticates the certificate (s2s_secure_auth)", "public DNS and a public CA"},
	{"TURN reachable from the Internet for calls through NAT; here coturn is checked on loopback", "a public address"},
	{"XEP-0156 host-meta (BOSH/WebSocket discovery) at https://<domain>/.well-known/host-meta", "public DNS and a public CA"},
}

// directTLSCompliance: the default answers listen for direct TLS on 5223
// (XEP-0368), and a client that speaks TLS from the first byte (ALPN
// xmpp-client, SNI the domain), verifying the certificate, logs in there
// and gets service discovery.
func (r *cellRun) directTLSCompliance() error {
	if r.a.Ports.C2SDirectTLS != 5223 {
		return fmt.Errorf("the default answers have direct TLS on port %d, want 5223", r.a.Ports.C2SDirectTLS)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	raw, err := r.ns.dial(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", r.a.Ports.C2SDirectTLS))
	if err != nil {
		return err
	}
	tc := tls.Client(raw, &tls.Config{ServerName: r.a.Primary(), RootCAs: r.roots, NextProtos: []string{"xmpp-client"}, MinVersion: tls.VersionTLS12})
	if dl, ok := ctx.Deadline(); ok {
		_ = tc.SetDeadline(dl)
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return fmt.Errorf("direct TLS on %d: %w", r.a.Ports.C2SDirectTLS, err)
	}
	c := xmpptest.New(tc, r.a.Primary())
	defer c.Close()
	if err := c.Open(); err != nil {
		return fmt.Errorf("direct TLS on %d: %w", r.a.Ports.C2SDirectTLS, err)
	}
	if strings.Contains(c.Features, "xmpp-tls") {
		return fmt.Errorf("direct TLS on %d offers STARTTLS inside TLS: %s", r.a.Ports.C2SDirectTLS, c.Features)
	}
	if err := c.AuthPlain("alice", e2ePasswordAlice); err != nil {
		return fmt.Errorf("login over direct TLS on %d: %w", r.a.Ports.C2SDirectTLS, err)
	}
	if _, err := c.IQ("get", r.a.Primary(), "<query xmlns='http://jabber.org/protocol/disco#info'/>"); err != nil {
		return fmt.Errorf("disco#info over direct TLS: %w", err)
	}
	return nil
}

func (r *cellRun) complianceAs(_ context.Context, c *xmpptest.Conn) error {
	server, err := c.IQ("get", r.a.Primary(), "<query xmlns='http://jabber.org/protocol/disco#info'/>")
	if err != nil {
		return err
	}
	account, err := c.IQ("get", r.jid("alice"), "<query xmlns='http://jabber.org/protocol/disco#info'/>")
	if err != nil {
		return err
	}
	muc, err := c.IQ("get", r.a.Components.MUC, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
	if err != nil {
		return err
	}
	upload, err := c.IQ("get", r.a.Components.Upload, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
	if err != nil {
		return err
	}
	// Room features are announced by a room, so join one first.
	room := "compliance@" + r.a.Components.MUC
	if err := c.JoinRoom(room); err != nil {
		return err
	}
	roomInfo, err := c.IQ("get", room, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
	if err != nil {
		return err
	}
	var missing []string
	for _, f := range xep0479 {
		var where string
		switch f.where {
		case "stream":
			where = c.Features
		case "server":
			where = server
		case "account":
			where = account
		case "muc":
			where = muc
		case "upload":
			where = upload
		case "room":
			where = roomInfo
		}
		if !strings.Contains(where, f.feature) {
			missing = append(missing, fmt.Sprintf("%s %s (%s, on the %s)", f.xep, f.name, f.feature, f.where))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("XEP-0479 features missing:\n%s", strings.Join(missing, "\n"))
	}
	if err := r.contactAddresses(server); err != nil {
		return err
	}
	return r.externalServices(c)
}

// discoForm is a data form (XEP-0004) in a disco#info result (XEP-0128).
type discoForm struct {
	Fields []struct {
		Var    string   `xml:"var,attr"`
		Values []string `xml:"value"`
	} `xml:"field"`
}

// contactAddresses: the server's disco#info carries the serverinfo form
// (XEP-0157) with exactly the addresses of the answers, by kind; the abuse
// address, which the compliance testers look for, is there.
func (r *cellRun) contactAddresses(info string) error {
	var q struct {
		Forms []discoForm `xml:"query>x"`
	}
	if err := xml.Unmarshal([]byte(info), &q); err != nil {
		return fmt.Errorf("disco#info of %s does not parse: %w\n%s", r.a.Primary(), err, info)
	}
	got := map[string][]string{}
	found := false
	for _, f := range q.Forms {
		values := map[string][]string{}
		for _, fl := range f.Fields {
			values[fl.Var] = fl.Values
		}
		if slices.Contains(values["FORM_TYPE"], "http://jabber.org/network/serverinfo") {
			found, got = true, values
		}
	}
	if !found {
		return fmt.Errorf("XEP-0157: no serverinfo form in the disco#info of %s:\n%s", r.a.Primary(), info)
	}
	if len(r.a.Contact.Abuse) == 0 {
		return fmt.Errorf("XEP-0157: the default answers give no abuse address")
	}
	for _, l := range r.a.Contact.Lists() {
		if v := got[l.Name+"-addresses"]; !slices.Equal(v, l.URIs) && (len(v) > 0 || len(l.URIs) > 0) {
			return fmt.Errorf("XEP-0157: %s-addresses are %q, want %q (contact.%s):\n%s", l.Name, v, l.URIs, l.Name, info)
		}
	}
	return nil
}

// externalServices: the server offers STUN and TURN for calls
// (XEP-0215), on the answers' TURN host and port, TURN with credentials.
func (r *cellRun) externalServices(c *xmpptest.Conn) error {
	services, err := c.IQ("get", r.a.Primary(), "<services xmlns='urn:xmpp:extdisco:2'/>")
	if err != nil {
		return fmt.Errorf("XEP-0215: %w", err)
	}
	offered := map[string]bool{}
	for _, svc := range regexp.MustCompile(`<service [^>]*>`).FindAllString(services, -1) {
		if attr(svc, "host") == r.a.TURN.Host && attr(svc, "port") == fmt.Sprint(r.a.TURN.Port) {
			offered[attr(svc, "type")] = offered[attr(svc, "type")] || attr(svc, "type") == "stun" || attr(svc, "password") != ""
		}
	}
	if !offered["stun"] || !offered["turn"] {
		return fmt.Errorf("XEP-0215: want STUN and TURN (with credentials) on %s:%d, got:\n%s", r.a.TURN.Host, r.a.TURN.Port, services)
	}
	return nil
}

// xep0479 lists each XEP of the Advanced IM Server profile that is visible
// to a client, and where. Checked apart: XEP-0157's addresses
// (contactAddresses), XEP-0368's direct TLS listener (directTLSCompliance)
// and XEP-0215's services (externalServices; a real coturn takes their
// credentials in the TURN step). Not checked: XEP-0114 (external
// components, a server-side port); and what xep0479LeftOut lists.
var xep0479 = []struct{ xep, name, where, feature string }{
	{"XEP-0030", "Service Discovery", "server", "http://jabber.org/protocol/disco#info"},
	{"XEP-0030", "Service Discovery items", "server", "http://jabber.org/protocol/disco#items"},
	{"XEP-0115", "Entity Capabilities (stream feature)", "stream", "http://jabber.org/protocol/caps"},
	{"XEP-0157", "Contact Addresses", "server", "http://jabber.org/network/serverinfo"},
	{"XEP-0163", "Personal Eventing Protocol", "account", "http://jabber.org/protocol/pubsub#publish"},
	{"XEP-0191", "Blocking Command", "server", "urn:xmpp:blocking"},
	{"XEP-0198", "Stream Management", "stream", "urn:xmpp:sm:3"},
	{"XEP-0280", "Message Carbons", "server", "urn:xmpp:carbons:2"},
	{"XEP-0313", "Message Archive Management", "account", "urn:xmpp:mam:2"},
	{"XEP-0352", "Client State Indication", "stream", "urn:xmpp:csi:0"},
	{"XEP-0357", "Push Notifications", "account", "urn:xmpp:push:0"},
	{"XEP-0398", "User Avatar to vCard conversion", "account", "urn:xmpp:pep-vcard-conversion:0"},
	{"XEP-0411", "Bookmarks Conversion", "account", "urn:xmpp:bookmarks-conversion:0"},
	{"XEP-0045", "Multi-User Chat", "muc", "http://jabber.org/protocol/muc"},
	{"XEP-0313", "MAM for group chats", "muc", "urn:xmpp:mam:2"},
	{"XEP-0410", "MUC Self-Ping", "room", "http://jabber.org/protocol/muc#self-ping-optimization"},
	{"XEP-0363", "HTTP File Upload", "upload", "urn:xmpp:http:upload:0"},
	{"XEP-0199", "XMPP Ping", "server", "urn:xmpp:ping"},
	{"XEP-0215", "External Service Discovery", "server", "urn:xmpp:extdisco:2"},
}

// checkFeatures: on 13.0, prosodyctl check features reports OK for every
// feature group with the default answers.
func (r *cellRun) checkFeatures() error {
	if !r.cell.defaults || r.series != config.Series13 {
		return nil
	}
	out, _ := r.inTree("prosodyctl", "check", "features").CombinedOutput()
	if strings.Contains(string(out), "(!)") || !strings.Contains(string(out), "OK") {
		return fmt.Errorf("check features:\n%s", out)
	}
	return nil
}

// TestEndToEndCatchesNoAbuseAddress proves the compliance step fails,
// naming XEP-0157's field, when the server publishes no abuse address:
// the generated contact_info loses its abuse line.
func TestEndToEndCatchesNoAbuseAddress(t *testing.T) {
	mustCatch(t, "no-abuse-address", "a server without an abuse address", func(cfg string) string {
		return regexp.MustCompile(`(?m)^\tabuse = .*\n`).ReplaceAllString(cfg, "")
	}, "compliance", "abuse-addresses")
}
