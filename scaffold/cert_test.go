package scaffold

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"prosody-wizard/config"
)

func TestSelfSignedCoversEveryHost(t *testing.T) {
	a, p := goldenPlan(t, "full-postgres")
	f, ok := p.File("prosody/certs/example.org.crt")
	if !ok {
		t.Fatal("no certificate in the plan")
	}
	b, _ := pem.Decode(f.Data)
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"example.org", "example.net", a.Components.MUC, a.Components.Upload, a.Components.Proxy65}
	if !slices.Equal(cert.DNSNames, want) {
		t.Errorf("SANs %v, want %v", cert.DNSNames, want)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v, want ECDSA", cert.PublicKeyAlgorithm)
	}
	key, _ := p.File("prosody/certs/example.org.key")
	if key.Mode.Perm() != 0o600 || !key.Secret {
		t.Errorf("key mode %v secret %v, want 0600 and secret", key.Mode.Perm(), key.Secret)
	}
}

// existingAnswers plans tls.mode existing with files in a memory fs.
func existingAnswers(t *testing.T, certPEM, keyPEM []byte) (Plan, error) {
	t.Helper()
	src := afero.NewMemMapFs()
	_ = afero.WriteFile(src, "/certs/fullchain.pem", certPEM, 0o644)
	_ = afero.WriteFile(src, "/certs/privkey.pem", keyPEM, 0o600)
	a, err := config.Parse([]byte("version: 1\ndomains: [example.org]\ntls: {mode: existing, cert: /certs/fullchain.pem, key: /certs/privkey.pem}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return NewPlan(a, Inputs{Now: goldenNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: src})
}

func TestExistingTLSIsCopied(t *testing.T) {
	pair, err := selfSigned([]string{"example.org", "conference.example.org", "upload.example.org"}, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	p, err := existingAnswers(t, pair.cert, pair.key)
	if err != nil {
		t.Fatalf("a matching certificate and key were refused: %v", err)
	}
	crt, _ := p.File("prosody/certs/example.org.crt")
	key, _ := p.File("prosody/certs/example.org.key")
	if !bytes.Equal(crt.Data, pair.cert) || !bytes.Equal(key.Data, pair.key) {
		t.Error("the given certificate and key were not copied byte for byte")
	}
	cfg, _ := p.File("prosody/prosody.cfg.lua")
	if !strings.Contains(string(cfg.Data), "tls.cert, tls.key") {
		t.Error("the config does not say where its certificate came from")
	}
}

func TestExistingTLSProblems(t *testing.T) {
	pair, _ := selfSigned([]string{"example.org"}, goldenNow)
	other, _ := selfSigned([]string{"example.org"}, goldenNow)
	cases := []struct {
		name, field, want string
		cert, key         []byte
	}{
		{"mismatched key", "tls.key", "does not belong", pair.cert, other.key},
		{"not a certificate", "tls.cert", "no PEM certificate", []byte("hello"), pair.key},
		{"not a key", "tls.key", "no PEM private key", pair.cert, pair.cert},
		{"encrypted key", "tls.key", "encrypted", pair.cert, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := existingAnswers(t, c.cert, c.key)
			var problems config.Problems
			if !errors.As(err, &problems) {
				t.Fatalf("got %v, want config.Problems", err)
			}
			if problems[0].Field != c.field || !strings.Contains(problems[0].Message, c.want) {
				t.Errorf("got %v, want %s: …%s…", problems, c.field, c.want)
			}
		})
	}
	t.Run("missing files", func(t *testing.T) {
		a, _ := config.Parse([]byte("version: 1\ndomains: [example.org]\ntls: {mode: existing, cert: /nope.crt, key: /nope.key}\n"))
		_, err := NewPlan(a, Inputs{Now: goldenNow, Owner: config.Owner{UID: 1, GID: 1}, Source: afero.NewMemMapFs()})
		if err == nil || !strings.Contains(err.Error(), "tls.cert: /nope.crt does not exist") || !strings.Contains(err.Error(), "tls.key") {
			t.Errorf("got %v, want both files named as missing", err)
		}
	})
}
