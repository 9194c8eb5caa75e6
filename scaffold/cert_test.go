package scaffold

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

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
	return planAnswers(a, Inputs{Now: goldenNow, Owner: config.Owner{UID: 1000, GID: 1000}, Source: src})
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
		_, err := planAnswers(a, Inputs{Now: goldenNow, Owner: config.Owner{UID: 1, GID: 1}, Source: afero.NewMemMapFs()})
		if err == nil || !strings.Contains(err.Error(), "tls.cert: /nope.crt does not exist") || !strings.Contains(err.Error(), "tls.key") {
			t.Errorf("got %v, want both files named as missing", err)
		}
	})
}

// testCA signs certificates for the tests: a throw-away authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: goldenNow.Add(-time.Hour), NotAfter: goldenNow.Add(3650 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key}
}

// issue signs a leaf for names, valid between from and to; it returns the
// chain (leaf, then CA) and the key in PEM.
func (ca *testCA) issue(t *testing.T, names []string, from, to time.Time) (chain, key []byte) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	chain = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
	return chain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// TestExistingCertificateFromCA: a certificate a CA signed for every host is
// accepted and placed with its chain; one missing upload. is accepted with
// a warning naming it; a wildcard covers the components; an expired one,
// one not valid yet, and a key of another certificate are refused, naming
// the field.
func TestExistingCertificateFromCA(t *testing.T) {
	ca := newTestCA(t)
	all := []string{"example.org", "conference.example.org", "upload.example.org"}
	month := goldenNow.Add(30 * 24 * time.Hour * 3)
	good, goodKey := ca.issue(t, all, goldenNow.Add(-time.Hour), month)
	noUpload, noUploadKey := ca.issue(t, all[:2], goldenNow.Add(-time.Hour), month)
	wildcard, wildcardKey := ca.issue(t, []string{"example.org", "*.example.org"}, goldenNow.Add(-time.Hour), month)
	expired, expiredKey := ca.issue(t, all, goldenNow.Add(-90*24*time.Hour), goldenNow.Add(-24*time.Hour))
	future, futureKey := ca.issue(t, all, goldenNow.Add(24*time.Hour), month)
	cases := []struct {
		name        string
		cert, key   []byte
		field, want string // a problem
		warn        string // a warning, when accepted
		noWarn      bool
	}{
		{name: "covers every host", cert: good, key: goodKey, noWarn: true},
		{name: "missing upload", cert: noUpload, key: noUploadKey, warn: "does not cover upload.example.org"},
		{name: "wildcard", cert: wildcard, key: wildcardKey, noWarn: true},
		{name: "expired", cert: expired, key: expiredKey, field: "tls.cert", want: "expired"},
		{name: "not valid yet", cert: future, key: futureKey, field: "tls.cert", want: "not valid before"},
		{name: "key of another certificate", cert: good, key: noUploadKey, field: "tls.key", want: "does not belong"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := existingAnswers(t, c.cert, c.key)
			if c.field != "" {
				var problems config.Problems
				if !errors.As(err, &problems) || problems[0].Field != c.field || !strings.Contains(problems[0].Message, c.want) {
					t.Fatalf("got %v, want %s: …%s…", err, c.field, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			crt, _ := p.File("prosody/certs/example.org.crt")
			if !bytes.Equal(crt.Data, c.cert) {
				t.Error("the chain was not placed as given")
			}
			warnings := strings.Join(p.Warnings, "\n")
			if c.warn != "" && !strings.Contains(warnings, c.warn) {
				t.Errorf("no warning %q in:\n%s", c.warn, warnings)
			}
			if c.noWarn && strings.Contains(warnings, "does not cover") {
				t.Errorf("unexpected coverage warning:\n%s", warnings)
			}
		})
	}
}
