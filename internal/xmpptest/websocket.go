package xmpptest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// XMPP over WebSocket (RFC 7395): each message is one element, the stream
// opens with <open/> instead of <stream:stream>. The WebSocket client is
// the small part of RFC 6455 a test needs: the handshake, masked text
// frames out, unmasked frames in (fragments joined, pings answered).

const (
	nsFraming = "urn:ietf:params:xml:ns:xmpp-framing"
	// wsGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
	wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

	opContinuation = 0x0
	opText         = 0x1
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// DialWebSocket connects to a wss:// (or https://) URL with the xmpp
// subprotocol and opens a stream to domain: AuthPlain, IQ, Send and WaitFor
// work as over TCP. An answer other than the upgrade (a proxy that does not
// pass the Upgrade header gets Prosody's "It works!" page) is an error that
// says what came back.
func DialWebSocket(ctx context.Context, web Web, rawURL, domain string) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "wss" && u.Scheme != "https" {
		return nil, fmt.Errorf("WebSocket: %s is not wss:// (an XMPP stream needs TLS)", rawURL)
	}
	raw, err := web.dial(ctx, "tcp", hostPort(u))
	if err != nil {
		return nil, fmt.Errorf("WebSocket: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	conn := tls.Client(raw, web.tlsConfig(u.Hostname()))
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("WebSocket: TLS handshake with %s: %w", u.Host, err)
	}
	w := &websocket{conn: conn, r: bufio.NewReader(conn)}
	if err := w.handshake(u, web); err != nil {
		conn.Close()
		return nil, err
	}
	c := &Conn{domain: domain, web: w}
	if err := c.Open(); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

type websocket struct {
	conn net.Conn
	r    *bufio.Reader
}

// AcceptKey is Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455
// section 4.2.2).
func AcceptKey(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

func (w *websocket) handshake(u *url.URL, web Web) error {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	key := base64.StdEncoding.EncodeToString(nonce)
	path := u.RequestURI()
	req, err := http.NewRequest(http.MethodGet, "https://"+u.Host+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Protocol", "xmpp")
	web.addHeader(req)
	if err := req.Write(w.conn); err != nil {
		return fmt.Errorf("WebSocket: sending the handshake: %w", err)
	}
	resp, err := http.ReadResponse(w.r, req)
	if err != nil {
		return fmt.Errorf("WebSocket: reading the handshake reply from %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		resp.Body.Close()
		return fmt.Errorf("WebSocket: GET %s answered %s, not 101 Switching Protocols (was the Upgrade header passed on?): %q", u, resp.Status, body)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		return fmt.Errorf("WebSocket: the 101 reply has Upgrade %q", resp.Header.Get("Upgrade"))
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != AcceptKey(key) {
		return fmt.Errorf("WebSocket: Sec-WebSocket-Accept is %q, want %q", got, AcceptKey(key))
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "xmpp" {
		return fmt.Errorf("WebSocket: the server chose subprotocol %q, not xmpp (RFC 7395 section 3.1)", got)
	}
	return nil
}

// writeFrame sends one final frame, masked as a client must (RFC 6455
// section 5.3).
func (w *websocket) writeFrame(op byte, payload []byte) error {
	_, err := w.conn.Write(clientFrame(op, payload))
	return err
}

// clientFrame is one final, masked frame.
func clientFrame(op byte, payload []byte) []byte {
	frame := []byte{0x80 | op}
	n := len(payload)
	switch {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n <= 0xffff:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	frame = append(frame, mask[:]...)
	for i, b := range payload {
		frame = append(frame, b^mask[i%4])
	}
	return frame
}

// readFrame reads one frame; a server's frames are never masked.
func readFrame(r io.Reader) (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return false, 0, nil, err
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0f
	if h[0]&0x70 != 0 {
		return false, 0, nil, fmt.Errorf("WebSocket: a frame with reserved bits set (%#x)", h[0])
	}
	if h[1]&0x80 != 0 {
		return false, 0, nil, fmt.Errorf("WebSocket: the server masked a frame (RFC 6455 section 5.1 forbids it)")
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return false, 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return false, 0, nil, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > 1<<20 {
		return false, 0, nil, fmt.Errorf("WebSocket: a frame of %d bytes", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return false, 0, nil, err
	}
	return fin, op, payload, nil
}

// readMessage reads one text message, answering pings on the way; a close
// frame is an error.
func (w *websocket) readMessage() ([]byte, error) {
	var msg []byte
	for {
		fin, op, payload, err := readFrame(w.r)
		if err != nil {
			return nil, err
		}
		switch op {
		case opPing:
			if err := w.writeFrame(opPong, payload); err != nil {
				return nil, err
			}
			continue
		case opPong:
			continue
		case opClose:
			return nil, fmt.Errorf("WebSocket: the server closed the connection (%q)", payload)
		case opText, opContinuation:
			msg = append(msg, payload...)
		default:
			return nil, fmt.Errorf("WebSocket: unexpected opcode %#x", op)
		}
		if fin {
			return msg, nil
		}
	}
}

// next reads the next element: one message.
func (w *websocket) next() (Stanza, error) {
	msg, err := w.readMessage()
	if err != nil {
		return Stanza{}, err
	}
	var s Stanza
	if err := xml.Unmarshal(msg, &s); err != nil {
		return Stanza{}, fmt.Errorf("WebSocket: a message that is not one element (RFC 7395 section 3.3.3): %w: %.300q", err, msg)
	}
	if s.XMLName.Local == "error" && s.XMLName.Space == "http://etherx.jabber.org/streams" {
		return Stanza{}, fmt.Errorf("WebSocket: stream error: %s", s)
	}
	if s.XMLName.Local == "close" && s.XMLName.Space == nsFraming {
		return Stanza{}, fmt.Errorf("WebSocket: the server closed the stream: %s", s)
	}
	return s, nil
}

func (w *websocket) send(raw string) error { return w.writeFrame(opText, []byte(qualify(raw))) }

// open sends <open/> and reads the server's <open/> and features.
func (w *websocket) open(domain string) (Stanza, error) {
	if err := w.send(fmt.Sprintf("<open xmlns='%s' to='%s' version='1.0'/>", nsFraming, Text(domain))); err != nil {
		return Stanza{}, err
	}
	s, err := w.next()
	if err != nil {
		return Stanza{}, fmt.Errorf("WebSocket: waiting for the server's <open/>: %w", err)
	}
	if s.XMLName.Local != "open" || s.XMLName.Space != nsFraming {
		return Stanza{}, fmt.Errorf("WebSocket: want <open xmlns='%s'/>, got %s", nsFraming, s)
	}
	return w.next()
}

// close sends <close/>, waits a second at most for the server's, and ends
// the WebSocket connection with a close frame.
func (w *websocket) close() {
	_ = w.send(fmt.Sprintf("<close xmlns='%s'/>", nsFraming))
	_ = w.conn.SetDeadline(time.Now().Add(time.Second))
	for {
		if _, err := w.next(); err != nil {
			break
		}
	}
	_ = w.writeFrame(opClose, []byte{0x03, 0xe8}) // 1000: normal closure
	w.conn.Close()
}
