package e2e

import (
	"context"
	"fmt"
	"strings"

	"prosody-wizard/config"
	"prosody-wizard/internal/xmpptest"
)

// compliance checks, with the default answers, the server features of
// XEP-0479 (XMPP Compliance Suites 2023, Advanced IM Server) that a client
// can see without DNS: in the stream features, in disco#info of the server
// and of an account, and on the components.
func (r *cellRun) compliance() error {
	if !r.cell.defaults {
		return nil
	}
	return r.asAlice(r.complianceAs)
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
	return nil
}

// xep0479 lists each XEP of the Advanced IM Server profile that is visible
// to a client, and where. Not checked here, with the reason:
//   - XEP-0368 (SRV records for XMPP over TLS): DNS, which tests do not have.
//   - XEP-0114 (external components) and XEP-0368 listeners: server-side ports.
//   - XEP-0215 (external services, for calls): checked with a real coturn in
//     the TURN step.
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
