package neo4j_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

// tlsOnlyServer listens on loopback and speaks TLS with a certificate for
// 127.0.0.1 from a CA of its own, then closes: enough to tell a plain
// bolt:// client, an untrusted CA and a trusted one apart. It returns the
// address and the CA's PEM file.
func tlsOnlyServer(t *testing.T) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "team neo4j test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln.Addr().String(), caFile
}

func TestConnectSaysWhatTLSNeeds(t *testing.T) {
	addr, caFile := tlsOnlyServer(t)
	tests := []struct {
		name   string
		uri    string
		caFile string
		want   []string
		not    []string
	}{
		{"plain bolt to a TLS-only server", "bolt://" + addr, "", []string{"bolt+s://", neo4j.EnvCAFile}, []string{"ConnectivityError: EOF"}},
		{"private CA not given", "bolt+s://" + addr, "", []string{"not signed by a CA this machine trusts", neo4j.EnvCAFile}, nil},
		{"private CA given", "bolt+s://" + addr, caFile, nil, []string{"CA", "TLS"}},
		{"CA file with a plain URI", "bolt://" + addr, caFile, []string{"does not verify certificates", "bolt+s://"}, nil},
		{"CA file that is missing", "neo4j+s://" + addr, caFile + ".gone", []string{neo4j.EnvCAFile, "ca.pem.gone"}, nil},
		{"CA file that is no PEM", "neo4j+s://" + addr, "/dev/null", []string{"no PEM certificate"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := neo4j.Connect(context.Background(), neo4j.Config{URI: tt.uri, Username: "neo4j", Password: "pw-pw-pw-pw", CAFile: tt.caFile,
				RetryFor: time.Second})
			if err == nil {
				t.Fatal("connected to a server that speaks no Bolt")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: lacks %q", err, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(err.Error(), w) {
					t.Errorf("%v: says %q", err, w)
				}
			}
		})
	}
	// TLS on a port that speaks plain Bolt: the other way round.
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	go func() {
		for {
			c, err := plain.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("\x00\x00\x00\x00not tls at all, just some bytes of another protocol"))
			c.Close()
		}
	}()
	_, err = neo4j.Connect(context.Background(), neo4j.Config{URI: "bolt+s://" + plain.Addr().String(), Password: "pw-pw-pw-pw", RetryFor: time.Second})
	if !errors.Is(err, neo4j.ErrUnreachable) || !strings.Contains(err.Error(), "does not speak TLS") {
		t.Errorf("TLS to a plain port: %v", err)
	}
}
