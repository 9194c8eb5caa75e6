package xmpptest

import (
	"fmt"
	"strings"
)

// What an account keeps on the server, made and read back by both suites
// around an upgrade or a storage move: a roster entry, an archived
// message, a shared file's slot.

// AddToRoster puts jid on the logged-in account's roster (RFC 6121).
func (c *Conn) AddToRoster(jid, name string) error {
	_, err := c.IQ("set", "", fmt.Sprintf("<query xmlns='jabber:iq:roster'><item jid='%s' name='%s'/></query>", Text(jid), Text(name)))
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	return nil
}

// RosterLists requires the account's roster to list jid.
func (c *Conn) RosterLists(jid string) error {
	roster, err := c.IQ("get", "", "<query xmlns='jabber:iq:roster'/>")
	if err != nil {
		return err
	}
	if !strings.Contains(roster, "jid='"+jid+"'") && !strings.Contains(roster, `jid="`+jid+`"`) {
		return fmt.Errorf("the roster does not list %s: %s", jid, roster)
	}
	return nil
}

// SendChat sends a chat message with body to jid.
func (c *Conn) SendChat(jid, body string) error {
	return c.Send(fmt.Sprintf("<message to='%s' type='chat'><body>%s</body></message>", Text(jid), Text(body)))
}

// ArchiveHolds queries the account's message archive (XEP-0313, mod_mam)
// and requires a message with body among the results.
func (c *Conn) ArchiveHolds(body string) error {
	c.mu.Lock()
	c.nextID++
	id := fmt.Sprintf("mam%d", c.nextID)
	c.mu.Unlock()
	if err := c.Send(fmt.Sprintf("<iq type='set' id='%s'><query xmlns='urn:xmpp:mam:2' queryid='%s'/></iq>", id, id)); err != nil {
		return err
	}
	found := false
	end, err := c.WaitFor(func(s Stanza) bool {
		if s.XMLName.Local == "message" && strings.Contains(s.Inner, "urn:xmpp:mam:2") && strings.Contains(s.Inner, Text(body)) {
			found = true
		}
		return s.XMLName.Local == "iq" && s.Attr("id") == id
	})
	switch {
	case err != nil:
		return fmt.Errorf("archive query: %w", err)
	case end.Attr("type") != "result":
		return fmt.Errorf("archive query refused: %s", end)
	case !found:
		return fmt.Errorf("the archive does not hold %q", body)
	}
	return nil
}

// WaitForChat waits for a message with body (after initial presence, an
// offline message is delivered so).
func (c *Conn) WaitForChat(body string) error {
	_, err := c.WaitFor(func(s Stanza) bool {
		return s.XMLName.Local == "message" && strings.Contains(s.Inner, Text(body))
	})
	return err
}

// LeaveTraces puts peer on the account's roster and sends peer body,
// which the account's archive must then hold: what an upgrade or a
// storage move must keep (see TracesKept).
func (c *Conn) LeaveTraces(peer, body string) error {
	if err := c.AddToRoster(peer, "Peer"); err != nil {
		return err
	}
	if err := c.SendChat(peer, body); err != nil {
		return err
	}
	return c.ArchiveHolds(body)
}

// TracesKept requires what LeaveTraces left: peer on the roster, body in
// the archive.
func (c *Conn) TracesKept(peer, body string) error {
	if err := c.RosterLists(peer); err != nil {
		return err
	}
	return c.ArchiveHolds(body)
}

// VersionWithoutOS asks domain for its software version (XEP-0092) and
// requires a reply that names Prosody but no operating system: what
// Prosody's hide_os_type = true gives (0.12 and 13.0 alike).
func (c *Conn) VersionWithoutOS(domain string) error {
	reply, err := c.IQ("get", domain, "<query xmlns='jabber:iq:version'/>")
	if err != nil {
		return err
	}
	if !strings.Contains(reply, "Prosody") {
		return fmt.Errorf("the version reply does not name Prosody: %s", reply)
	}
	if strings.Contains(reply, "<os") {
		return fmt.Errorf("the version reply names the OS: %s", reply)
	}
	return nil
}
