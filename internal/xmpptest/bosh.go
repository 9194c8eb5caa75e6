package xmpptest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// BOSH is XMPP over HTTP (XEP-0124, XEP-0206) the way web clients use it: a
// session of POSTed <body/> elements, one request always held by the
// server (a long poll) so that it can push stanzas, and a second one for
// what the client sends.
const (
	nsBOSH  = "http://jabber.org/protocol/httpbind"
	nsXBOSH = "urn:xmpp:xbosh"
	// boshWait is how long the server may hold the poll, in seconds. A
	// proxy in front must wait longer than this for the reply.
	boshWait = 20
)

// DialBOSH creates a BOSH session at url (https://…/http-bind) for domain
// and returns it as a stream whose features are read: AuthPlain, IQ,
// Send and WaitFor work as over TCP. ctx bounds the session's life.
func DialBOSH(ctx context.Context, web Web, url, domain string) (*Conn, error) {
	ctx, cancel := context.WithCancel(ctx)
	b := &bosh{ctx: ctx, cancel: cancel, client: web.Client(), web: web, url: url, rid: 1_000_000 + rand.Uint64N(1_000_000_000),
		ready: make(chan struct{}, 1), responses: map[uint64][]Stanza{}}
	c := &Conn{domain: domain, web: b}
	if err := c.Open(); err != nil {
		cancel()
		return nil, err
	}
	return c, nil
}

type bosh struct {
	ctx    context.Context
	cancel context.CancelFunc
	client *http.Client
	web    Web
	url    string
	sid    string

	mu   sync.Mutex
	rid  uint64 // the last rid sent
	sent sync.Mutex
	// responses holds the stanzas of each answered request by rid until
	// those of every earlier request are delivered: the poll and a send
	// are answered on different connections, their replies can cross.
	responses map[uint64][]Stanza
	delivered uint64 // the last rid whose stanzas are in queue
	queue     []Stanza
	err       error // the session ended (terminate, HTTP failure)
	ready     chan struct{}
	polling   bool
}

// body is one request's <body/> with the session's attributes around
// payload; it takes the next rid.
func (b *bosh) body(extra, payload string) (uint64, string) {
	b.mu.Lock()
	b.rid++
	rid := b.rid
	b.mu.Unlock()
	attrs := fmt.Sprintf("rid='%d' xmlns='%s'", rid, nsBOSH)
	if b.sid != "" {
		attrs += fmt.Sprintf(" sid='%s'", Text(b.sid))
	}
	return rid, fmt.Sprintf("<body %s%s>%s</body>", attrs, extra, payload)
}

// post sends a request and files the stanzas of its reply under its rid.
func (b *bosh) post(rid uint64, body string) error {
	err := b.roundTrip(rid, body)
	if err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
		b.signal()
	}
	return err
}

func (b *bosh) roundTrip(rid uint64, body string) error {
	req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, b.url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	b.web.addHeader(req)
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("BOSH: POST %s: %w", b.url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("BOSH: reading the reply to rid %d: %w", rid, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("BOSH: POST %s: %s: %.300s", b.url, resp.Status, data)
	}
	attrs, stanzas, err := parseBody(data)
	if err != nil {
		return fmt.Errorf("BOSH: the reply to rid %d: %w", rid, err)
	}
	if b.sid == "" {
		b.sid = attrs["sid"]
	}
	b.mu.Lock()
	b.responses[rid] = stanzas
	for {
		s, ok := b.responses[b.delivered+1]
		if !ok {
			break
		}
		delete(b.responses, b.delivered+1)
		b.delivered++
		b.queue = append(b.queue, s...)
	}
	b.mu.Unlock()
	b.signal()
	if attrs["type"] == "terminate" {
		return fmt.Errorf("BOSH: the server ended the session (condition %q): %.300s", attrs["condition"], data)
	}
	return nil
}

func (b *bosh) signal() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// parseBody reads a <body/> reply: its attributes and its child elements.
func parseBody(data []byte) (map[string]string, []Stanza, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	attrs := map[string]string{}
	var stanzas []Stanza
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, nil, fmt.Errorf("no <body/> in %.300q", data)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w in %.300q", err, data)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "body" || se.Name.Space != nsBOSH {
				return nil, nil, fmt.Errorf("want <body xmlns='%s'>, got %.300q", nsBOSH, data)
			}
			for _, a := range se.Attr {
				attrs[a.Name.Local] = a.Value
			}
			break
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("%w in %.300q", err, data)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var s Stanza
			if err := dec.DecodeElement(&s, &t); err != nil {
				return nil, nil, err
			}
			stanzas = append(stanzas, s)
		case xml.EndElement:
			return attrs, stanzas, nil
		}
	}
}

// open creates the session (first call) or restarts the stream after
// SASL (XEP-0206 section 5), then returns the features.
func (b *bosh) open(domain string) (Stanza, error) {
	if b.sid == "" {
		rid, body := b.body(fmt.Sprintf(" content='text/xml; charset=utf-8' hold='1' to='%s' ver='1.6' wait='%d' xml:lang='en' xmpp:version='1.0' xmlns:xmpp='%s'",
			Text(domain), boshWait, nsXBOSH), "")
		b.delivered = rid - 1
		if err := b.post(rid, body); err != nil {
			return Stanza{}, err
		}
		if b.sid == "" {
			return Stanza{}, fmt.Errorf("BOSH: the session creation reply has no sid")
		}
		b.mu.Lock()
		b.polling = true
		b.mu.Unlock()
		go b.poll()
	} else {
		if err := b.sendBody(fmt.Sprintf(" to='%s' xml:lang='en' xmpp:restart='true' xmlns:xmpp='%s'", Text(domain), nsXBOSH), ""); err != nil {
			return Stanza{}, err
		}
	}
	return b.next()
}

// poll keeps one empty request at the server, for it to answer when it
// has something to push, until the session ends.
func (b *bosh) poll() {
	for {
		b.mu.Lock()
		stop := b.err != nil || b.ctx.Err() != nil
		b.mu.Unlock()
		if stop {
			return
		}
		rid, body := b.body("", "")
		if b.post(rid, body) != nil {
			return
		}
	}
}

func (b *bosh) sendBody(extra, payload string) error {
	b.sent.Lock() // one send at a time: with the poll, two requests at most
	defer b.sent.Unlock()
	rid, body := b.body(extra, payload)
	return b.post(rid, body)
}

func (b *bosh) send(raw string) error { return b.sendBody("", qualify(raw)) }

// next returns the next stanza the server pushed, waiting for it until the
// session's context ends.
func (b *bosh) next() (Stanza, error) {
	for {
		b.mu.Lock()
		if len(b.queue) > 0 {
			s := b.queue[0]
			b.queue = b.queue[1:]
			b.mu.Unlock()
			return s, nil
		}
		err := b.err
		b.mu.Unlock()
		if err != nil {
			return Stanza{}, err
		}
		select {
		case <-b.ready:
		case <-b.ctx.Done():
			return Stanza{}, fmt.Errorf("BOSH: waiting for the server: %w", b.ctx.Err())
		}
	}
}

// close ends the session (type='terminate') and stops the poll.
func (b *bosh) close() {
	_ = b.sendBody(" type='terminate'", "<presence type='unavailable' xmlns='jabber:client'/>")
	b.cancel()
}
