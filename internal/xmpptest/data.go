package xmpptest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
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

// UploadSlot asks the file share up for a slot for body (XEP-0363): the
// URL to PUT it to (and GET it from) and the headers the PUT must carry.
func (c *Conn) UploadSlot(up, filename, body string) (string, map[string]string, error) {
	slot, err := c.IQ("get", up, fmt.Sprintf("<request xmlns='urn:xmpp:http:upload:0' filename='%s' size='%d' content-type='text/plain'/>", Text(filename), len(body)))
	if err != nil {
		return "", nil, fmt.Errorf("upload slot: %w", err)
	}
	m := putURL.FindStringSubmatch(slot)
	if m == nil {
		return "", nil, fmt.Errorf("no put URL in %s", slot)
	}
	headers := map[string]string{}
	for _, h := range slotHeader.FindAllStringSubmatch(slot, -1) {
		headers[h[1]] = h[2]
	}
	return strings.ReplaceAll(m[1], "&amp;", "&"), headers, nil
}

var (
	putURL     = regexp.MustCompile(`<put[^>]*url=['"]([^'"]+)['"]`)
	slotHeader = regexp.MustCompile(`<header name=['"]([^'"]+)['"]>([^<]*)</header>`)
)

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

// Share uploads body to a slot's URL with its headers (XEP-0363's HTTP
// PUT), then requires it back from the same URL (Fetch).
func Share(ctx context.Context, client *http.Client, url, body string, headers map[string]string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	for k, v := range headers {
		req.Header.Set(k, v) // the slot's Authorization, as XEP-0363 says
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("PUT %s: %w", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT %s: %s", url, resp.Status)
	}
	return Fetch(ctx, client, url, body)
}

// Fetch requires url to serve body.
func Fetch(ctx context.Context, client *http.Client, url, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(got) != body {
		return fmt.Errorf("GET %s returned %s %q, want %q", url, resp.Status, got, body)
	}
	return nil
}
