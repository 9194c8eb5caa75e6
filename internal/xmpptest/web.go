package xmpptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Web says how the tests reach the HTTPS side of a server (BOSH, WebSocket,
// uploads): through Dial (a namespace's, or one that sends every name to
// loopback; nil: the system's), verifying certificates against Roots only.
type Web struct {
	Dial  DialFunc
	Roots *x509.CertPool
	// Header is added to every request (BOSH, the WebSocket handshake,
	// uploads): what a client could send to fool a proxy.
	Header http.Header
}

// addHeader adds w.Header to req.
func (w Web) addHeader(req *http.Request) {
	for k, vs := range w.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
}

func (w Web) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if w.Dial != nil {
		return w.Dial(ctx, network, addr)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func (w Web) tlsConfig(host string) *tls.Config {
	return &tls.Config{ServerName: host, RootCAs: w.Roots, MinVersion: tls.VersionTLS12}
}

// Client is an HTTP client over Dial that trusts Roots only. It does not
// follow redirects: a test must see what the server answered.
func (w Web) Client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:     w.dial,
			TLSClientConfig: &tls.Config{RootCAs: w.Roots, MinVersion: tls.VersionTLS12},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// hostPort is the address of an http(s) or ws(s) URL, with its scheme's
// default port.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	switch u.Scheme {
	case "https", "wss":
		return net.JoinHostPort(u.Hostname(), "443")
	case "http", "ws":
		return net.JoinHostPort(u.Hostname(), "80")
	}
	return u.Host
}

// qualify puts a stanza written without a namespace (<iq …>, <message …>,
// <presence/>) into jabber:client. Over TCP it inherits that from the
// stream header; a WebSocket message (RFC 7395 section 3.3.3) and a BOSH
// body (XEP-0206 section 4) are documents of their own, where it must say
// so itself.
func qualify(raw string) string {
	for _, name := range []string{"iq", "message", "presence"} {
		rest, ok := strings.CutPrefix(raw, "<"+name)
		if !ok || rest == "" || !strings.ContainsAny(rest[:1], " />\t\n") {
			continue
		}
		end := strings.IndexByte(rest, '>')
		if end < 0 || strings.Contains(rest[:end], "xmlns=") {
			return raw
		}
		return "<" + name + " xmlns='jabber:client'" + rest
	}
	return raw
}
