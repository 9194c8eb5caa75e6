package xmpptest

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestQualify(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<presence/>", "<presence xmlns='jabber:client'/>"},
		{"<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>", "<iq xmlns='jabber:client' type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"},
		{"<message to='a@b'><body>x</body></message>", "<message xmlns='jabber:client' to='a@b'><body>x</body></message>"},
		// Already qualified, or not a stanza: as it is.
		{"<iq xmlns='jabber:client' type='get'/>", "<iq xmlns='jabber:client' type='get'/>"},
		{"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>", "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>"},
		{"<iqx/>", "<iqx/>"},
		{"<enable xmlns='urn:xmpp:sm:3'/>", "<enable xmlns='urn:xmpp:sm:3'/>"},
	} {
		if got := qualify(tc.in); got != tc.want {
			t.Errorf("qualify(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// RFC 6455 section 1.3's example key and accept value.
func TestAcceptKey(t *testing.T) {
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("AcceptKey = %q", got)
	}
}

// A client frame, unmasked as a server does, gives the payload back, for
// each of the three length encodings.
func TestClientFrame(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		payload := bytes.Repeat([]byte("x"), n)
		frame := clientFrame(opText, payload)
		if frame[0] != 0x81 || frame[1]&0x80 == 0 {
			t.Fatalf("%d bytes: header %#x %#x: want FIN, text and the mask bit", n, frame[0], frame[1])
		}
		// Unmask it and clear the mask bit: a server's frame.
		hdr := 2
		switch frame[1] & 0x7f {
		case 126:
			hdr += 2
		case 127:
			hdr += 8
		}
		mask := frame[hdr : hdr+4]
		server := append([]byte{frame[0], frame[1] &^ 0x80}, frame[2:hdr]...)
		for i, b := range frame[hdr+4:] {
			server = append(server, b^mask[i%4])
		}
		fin, op, got, err := readFrame(bytes.NewReader(server))
		if err != nil || !fin || op != opText || !bytes.Equal(got, payload) {
			t.Fatalf("%d bytes: readFrame = %v %v %d bytes %v", n, fin, op, len(got), err)
		}
		if n > 0 && bytes.Equal(frame[hdr+4:], payload) { // a zero mask: once in 2^32
			t.Fatalf("%d bytes: the payload went out unmasked", n)
		}
	}
	// A masked frame from a server is refused (RFC 6455 section 5.1).
	if _, _, _, err := readFrame(bytes.NewReader(clientFrame(opText, []byte("x")))); err == nil {
		t.Fatal("readFrame accepted a masked frame")
	}
}

// tlsServer is an HTTPS test server on loopback and a Web that trusts it
// only.
func tlsServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, Web) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return srv, Web{Roots: roots}
}

// TestWebSocketCatchesNoUpgrade: a proxy that does not pass the Upgrade
// header on gets Prosody's page with 200; the client must fail, saying so.
func TestWebSocketCatchesNoUpgrade(t *testing.T) {
	srv, web := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "It works! Now point your WebSocket client to this URL to connect to Prosody.")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := DialWebSocket(ctx, web, strings.Replace(srv.URL, "https", "wss", 1)+"/xmpp-websocket", "example.org")
	if err == nil || !strings.Contains(err.Error(), "200 OK, not 101") || !strings.Contains(err.Error(), "It works") {
		t.Fatalf("want a refused upgrade naming the reply, got %v", err)
	}
}

// TestWebSocketCatchesUntrusted: a server whose certificate is not from
// the given roots is refused.
func TestWebSocketCatchesUntrusted(t *testing.T) {
	srv, _ := tlsServer(t, func(http.ResponseWriter, *http.Request) {})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := DialWebSocket(ctx, Web{Roots: x509.NewCertPool()}, srv.URL, "example.org")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("want a certificate error, got %v", err)
	}
}

// TestBOSHCatchesTerminate: a session the server refuses (Prosody's answer
// for an unknown host) is an error with the condition.
func TestBOSHCatchesTerminate(t *testing.T) {
	srv, web := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), "to='nowhere.example'") || !strings.Contains(string(body), "xmpp:version='1.0'") {
			t.Errorf("session request %s", body)
		}
		if got := r.Header.Get("X-Forwarded-For"); got != "203.0.113.66" {
			t.Errorf("Web.Header not sent: X-Forwarded-For %q", got)
		}
		_, _ = io.WriteString(w, "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='improper-addressing'/>")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	web.Header = http.Header{"X-Forwarded-For": {"203.0.113.66"}}
	_, err := DialBOSH(ctx, web, srv.URL+"/http-bind", "nowhere.example")
	if err == nil || !strings.Contains(err.Error(), "improper-addressing") {
		t.Fatalf("want the terminate condition, got %v", err)
	}
}

func TestParseBody(t *testing.T) {
	attrs, stanzas, err := parseBody([]byte("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' sid='s1'>" +
		"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>" +
		"<message xmlns='jabber:client'><body>hi</body></message></body>"))
	if err != nil || attrs["sid"] != "s1" || len(stanzas) != 2 || stanzas[0].XMLName.Local != "features" || !strings.Contains(stanzas[1].Inner, "hi") {
		t.Fatalf("parseBody = %v %v %v", attrs, stanzas, err)
	}
	for _, bad := range []string{"", "<html>502 Bad Gateway</html>", "<body xmlns='http://jabber.org/protocol/httpbind'><message>"} {
		if _, _, err := parseBody([]byte(bad)); err == nil {
			t.Errorf("parseBody(%q) took it", bad)
		}
	}
}

// TestShareCatchesLostFile: Share PUTs with the slot's headers and reads
// the file back; a server that loses it (or refuses the PUT) fails it.
func TestShareCatchesLostFile(t *testing.T) {
	stored := map[string][]byte{}
	lose := false
	srv, web := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			if r.Header.Get("Authorization") != "Bearer slot" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			body, _ := io.ReadAll(r.Body)
			if !lose {
				stored[r.URL.Path] = body
			}
			w.WriteHeader(http.StatusCreated)
		case http.MethodGet:
			if b, ok := stored[r.URL.Path]; ok {
				_, _ = w.Write(b)
				return
			}
			http.NotFound(w, r)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	auth := map[string]string{"Authorization": "Bearer slot"}
	if err := Share(ctx, web.Client(), srv.URL+"/a.txt", "hello", auth); err != nil {
		t.Fatalf("Share: %v", err)
	}
	if err := Fetch(ctx, web.Client(), srv.URL+"/a.txt", "other"); err == nil || !strings.Contains(err.Error(), `want "other"`) {
		t.Fatalf("Fetch of another body: %v", err)
	}
	if err := Share(ctx, web.Client(), srv.URL+"/b.txt", "hello", nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Share without the slot's header: %v", err)
	}
	lose = true
	if err := Share(ctx, web.Client(), srv.URL+"/c.txt", "hello", auth); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Share to a server that loses the file: %v", err)
	}
}
