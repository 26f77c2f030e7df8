package neo4j

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestClassify maps the driver's failures to one sentence that says what
// to do, for errors no test server can produce (a lock-out is off there).
func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		uri   string
		err   error
		is    error
		wants []string
		not   []string
	}{
		{"lock-out after failed logins", "bolt://db:7687",
			&n4j.Neo4jError{Code: "Neo.ClientError.Security.AuthenticationRateLimit", Msg: "The client has provided incorrect authentication details too many times in a row."},
			ErrAuthLocked, []string{"wait and retry", `user "ana"`}, []string{"check NEO4J_PASSWORD"}},
		{"wrong password", "bolt://db:7687",
			&n4j.Neo4jError{Code: "Neo.ClientError.Security.Unauthorized", Msg: "The client is unauthorized due to authentication failure."},
			ErrAuth, []string{"check NEO4J_USERNAME and NEO4J_PASSWORD"}, []string{"wait"}},
		{"forbidden", "bolt://db:7687",
			&n4j.Neo4jError{Code: "Neo.ClientError.Security.Forbidden", Msg: "Write operations are not allowed"},
			ErrAuth, []string{"Write operations are not allowed", "Security.Forbidden"}, nil},
		{"plain bolt to a TLS-only server", "bolt://db:7687", &n4j.ConnectivityError{Inner: io.EOF},
			ErrUnreachable, []string{"bolt+s://", "neo4j+s://", EnvCAFile}, []string{"ConnectivityError"}},
		{"plain neo4j reset by a TLS-only server", "neo4j://db:7687",
			&n4j.ConnectivityError{Inner: errors.New("read tcp 10.0.0.1:5000->10.0.0.2:7687: read: connection reset by peer")},
			ErrUnreachable, []string{"requires TLS"}, nil},
		{"private CA not given", "neo4j+s://db:7687",
			&n4j.ConnectivityError{Inner: fmt.Errorf("tls: failed to verify certificate: x509: certificate signed by unknown authority")},
			ErrUnreachable, []string{EnvCAFile, "PEM"}, nil},
		{"TLS to a plain server", "bolt+s://db:7687",
			&n4j.ConnectivityError{Inner: errors.New("tls: first record does not look like a TLS handshake")},
			ErrUnreachable, []string{"does not speak TLS", "bolt://"}, nil},
		{"TLS server that closes", "bolt+s://db:7687",
			&n4j.ConnectivityError{Inner: errors.New("remote end closed the connection, check that TLS is enabled on the server")},
			ErrUnreachable, []string{"TLS handshake"}, []string{"use bolt+s://"}},
		{"EOF over TLS is not a TLS hint", "bolt+s://db:7687", &n4j.ConnectivityError{Inner: io.EOF},
			ErrUnreachable, nil, []string{"requires TLS"}},
		{"refused", "bolt://db:7687", &n4j.ConnectivityError{Inner: errors.New("dial tcp 10.0.0.2:7687: connect: connection refused")},
			ErrUnreachable, []string{"connection refused"}, []string{"TLS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(Config{URI: tt.uri, Username: "ana", Password: "s3cret-Pw"}, tt.err)
			if !errors.Is(err, tt.is) {
				t.Errorf("%v: want %v", err, tt.is)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: lacks %q", err, w)
				}
			}
			for _, w := range append(tt.not, "s3cret-Pw") {
				if strings.Contains(err.Error(), w) {
					t.Errorf("%v: says %q", err, w)
				}
			}
		})
	}
}
