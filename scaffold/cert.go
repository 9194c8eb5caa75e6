package scaffold

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/spf13/afero"

	"prosody-wizard/config"
	"prosody-wizard/safeio"
)

// certValidity is how long a self-signed certificate lasts.
const certValidity = 365 * 24 * time.Hour

// keyPair is a PEM certificate chain and its PEM private key; leaf is the
// parsed first certificate of a pair the person gave.
type keyPair struct {
	cert, key []byte
	leaf      *x509.Certificate
}

// selfSigned makes an ECDSA P-256 key and a certificate for it whose SANs
// name every host (given in DNS form), valid from now for a year.
func selfSigned(hosts []string, now time.Time) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return keyPair{}, err
	}
	return certify(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), hosts, now)
}

// certify makes a self-signed certificate for key (whose PEM form is
// keyPEM) naming every host (in DNS form), valid from now for a year.
func certify(key crypto.Signer, keyPEM []byte, hosts []string, now time.Time) (keyPair, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return keyPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"prosody-wizard self-signed"}},
		DNSNames:              slices.Clone(hosts),
		NotBefore:             now.Add(-time.Hour).UTC().Truncate(time.Second),
		NotAfter:              now.Add(certValidity).UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: keyPEM}, nil
}

// reuseMargin: a certificate that expires sooner than this is replaced.
const reuseMargin = 30 * 24 * time.Hour

// reusablePair returns the key and certificate for certs/NAME.{key,crt}: a
// re-run must not change what it does not have to, and must complete after
// a run killed halfway. A private key already there (one that parses) is
// always kept; the certificate with it is kept too while it belongs to that
// key, names exactly these hosts and stays valid for a while, and is made
// anew for that key otherwise. Only without a usable key is a new pair
// made. Apply writes keys first (File.First), so a killed run leaves at
// worst a key without its certificate, which the next run certifies.
func reusablePair(fsys afero.Fs, certDir, name string, hosts []string, now time.Time) (keyPair, error) {
	if fsys == nil {
		return selfSigned(hosts, now)
	}
	keyPEM, err := safeio.ReadRegular(fsys, path.Join(certDir, name+".key"), safeio.MaxInput)
	if err != nil {
		return selfSigned(hosts, now)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return selfSigned(hosts, now)
	}
	if certPEM, err := safeio.ReadRegular(fsys, path.Join(certDir, name+".crt"), safeio.MaxInput); err == nil {
		if leaf := firstCert(certPEM); leaf != nil && keyMatches(key, leaf) && covers(leaf, hosts, now) {
			return keyPair{cert: certPEM, key: keyPEM}, nil
		}
	}
	return certify(key, keyPEM, hosts, now)
}

// firstCert parses the first PEM certificate of data, or returns nil.
func firstCert(data []byte) *x509.Certificate {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil
	}
	return cert
}

// covers reports whether cert names exactly these hosts (given in DNS
// form, in any order) and is valid from now until well after.
func covers(cert *x509.Certificate, hosts []string, now time.Time) bool {
	if now.Before(cert.NotBefore) || now.Add(reuseMargin).After(cert.NotAfter) {
		return false
	}
	want := slices.Clone(hosts)
	have := slices.Clone(cert.DNSNames)
	slices.Sort(want)
	slices.Sort(have)
	return slices.Equal(have, want)
}

// existingPair reads the certificate chain and key named by tls.cert and
// tls.key, checks that both parse and that the key belongs to the first
// certificate, and returns them for copying. Problems name the field.
func existingPair(src afero.Fs, t config.TLS, now time.Time) (keyPair, error) {
	if src == nil {
		return keyPair{}, config.Problems{{Field: "tls.cert", Message: "cannot read files here"}}
	}
	var p config.Problems
	certPEM, err := safeio.ReadRegular(src, t.Cert, safeio.MaxInput)
	if err != nil {
		p = append(p, config.Problem{Field: "tls.cert", Message: readProblem(t.Cert, err)})
	}
	keyPEM, kerr := safeio.ReadRegular(src, t.Key, safeio.MaxInput)
	if kerr != nil {
		p = append(p, config.Problem{Field: "tls.key", Message: readProblem(t.Key, kerr)})
	}
	if len(p) > 0 {
		return keyPair{}, p
	}
	var leaf *x509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" && leaf == nil {
			leaf, err = x509.ParseCertificate(b.Bytes)
			if err != nil {
				return keyPair{}, config.Problems{{Field: "tls.cert", Message: fmt.Sprintf("%s: the first certificate does not parse: %v", t.Cert, err)}}
			}
		}
	}
	if leaf == nil {
		return keyPair{}, config.Problems{{Field: "tls.cert", Message: t.Cert + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"}}
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return keyPair{}, config.Problems{{Field: "tls.key", Message: fmt.Sprintf("%s: %v", t.Key, err)}}
	}
	if !keyMatches(key, leaf) {
		return keyPair{}, config.Problems{{Field: "tls.key", Message: fmt.Sprintf("%s does not belong to the certificate in %s", t.Key, t.Cert)}}
	}
	switch {
	case now.Before(leaf.NotBefore):
		return keyPair{}, config.Problems{{Field: "tls.cert", Message: fmt.Sprintf("%s is not valid before %s", t.Cert, leaf.NotBefore.UTC().Format(time.RFC3339))}}
	case now.After(leaf.NotAfter):
		return keyPair{}, config.Problems{{Field: "tls.cert", Message: fmt.Sprintf("%s expired on %s; renew it first", t.Cert, leaf.NotAfter.UTC().Format(time.RFC3339))}}
	}
	return keyPair{cert: certPEM, key: keyPEM, leaf: leaf}, nil
}

// coverageWarnings names every host the certificate does not cover (by its
// SANs, wildcards included), with what clients and servers will do.
func coverageWarnings(leaf *x509.Certificate, hosts []config.Host, now time.Time) []string {
	var warn []string
	for _, h := range hosts {
		if err := leaf.VerifyHostname(h.ASCII); err != nil {
			warn = append(warn, fmt.Sprintf("the certificate does not cover %s (it names %s): clients and servers will refuse it there; add %s to the certificate",
				h.Name, strings.Join(leaf.DNSNames, ", "), h.Name))
		}
	}
	if left := leaf.NotAfter.Sub(now); left < 30*24*time.Hour {
		warn = append(warn, fmt.Sprintf("the certificate expires in %d days (%s)", int(left.Hours()/24), leaf.NotAfter.UTC().Format("2006-01-02")))
	}
	return warn
}

func readProblem(path string, err error) string {
	var ie *safeio.InputError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%s does not exist", path)
	case errors.As(err, &ie):
		return ie.Error()
	}
	return fmt.Sprintf("%s cannot be read: %v", path, err)
}

func parseKey(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("holds no PEM private key")
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the private key is encrypted; Prosody needs it unencrypted")
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("the private key does not parse: %v", err)
		}
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, errors.New("unsupported private key type")
	}
}

// certFiles returns the certificate files for certs/: the pair named after
// the primary domain, which Prosody's index finds by SAN, and for every
// internationalised VirtualHost a copy under its Unicode name, because
// Prosody looks hosts up by that name while SANs hold the ASCII form.
func certFiles(s *setup, pair keyPair) map[string][]byte {
	files := map[string][]byte{
		s.CertName + ".crt": pair.cert,
		s.CertName + ".key": pair.key,
	}
	for _, d := range s.DomainHosts() {
		if d.IDN() {
			files[d.Name+".crt"] = pair.cert
			files[d.Name+".key"] = pair.key
		}
	}
	return files
}

// keyMatches reports whether the private key belongs to the certificate.
func keyMatches(key crypto.Signer, cert *x509.Certificate) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}
