// Package neo4j keeps a shared Neo4j in step with the local graph: it
// drains the outbox in parameterised, idempotent UNWIND … MERGE batches,
// and runs the named queries in Cypher with the same answers as the local
// store.
package neo4j

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	n4jcfg "github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

// Config says where the shared Neo4j is. The password comes only from the
// environment (NEO4J_PASSWORD, or user:password@ in NEO4J_URI), never from a
// flag or file, and is never printed: String and GoString redact it, and it
// is left out of JSON, whose uri is redacted too.
type Config struct {
	URI      string
	Username string
	Password string
	// CAFile is a PEM file of the CAs to trust for bolt+s:// and
	// neo4j+s:// (CYBERSTREAMS_NEO4J_CA_FILE); empty, the system's.
	CAFile string
	// RetryFor is how long a write transaction is retried on transient
	// and connection errors (the driver backs off exponentially with
	// jitter between attempts). Zero means 30 s.
	RetryFor time.Duration
}

// String names the server and user, never the password.
func (c Config) String() string {
	return fmt.Sprintf("neo4j %s as %q", RedactURI(c.URI), c.Username)
}

// MarshalJSON writes the server and user, never the password.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		URI      string `json:"uri"`
		Username string `json:"username"`
	}{RedactURI(c.URI), c.Username})
}

// GoString is String, so that %#v does not print the password either.
func (c Config) GoString() string { return "neo4j.Config{" + c.String() + "}" }

// ConfigFile is the optional file in the workspace directory that names
// the uri and username (never the password).
const ConfigFile = "graph.json"

// ErrNotConfigured is returned when no Neo4j URI is set.
var ErrNotConfigured = errors.New("no Neo4j configured: set NEO4J_URI (and NEO4J_USERNAME, NEO4J_PASSWORD), or start one with scripts/neo4j/neo4j.sh")

// ConfigFromEnv reads NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD,
// falling back to graph.json in workspaceDir for the uri and username. A
// user:password@ in the URI is taken as the username and password when
// NEO4J_USERNAME and NEO4J_PASSWORD do not set them, and removed from the
// URI: the driver reads credentials only from its auth token, and the URI
// is printed in messages. graph.json may not hold a password in its uri.
func ConfigFromEnv(workspaceDir string) (Config, error) {
	var path string
	var file []byte
	if workspaceDir != "" {
		path = filepath.Join(workspaceDir, ConfigFile)
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			file = b
		case !errors.Is(err, os.ErrNotExist):
			return Config{}, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return configFrom(path, file, os.Getenv)
}

// configFrom is ConfigFromEnv over graph.json's bytes (nil: no file) and
// an environment. On error it returns no Config, which could hold a
// password.
func configFrom(path string, file []byte, getenv func(string) string) (Config, error) {
	var c Config
	if file != nil {
		f, err := readConfigFile(file)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
		c.URI, c.Username = f.URI, f.Username
	}
	if v := getenv("NEO4J_URI"); v != "" {
		c.URI = v
	}
	if v := getenv("NEO4J_USERNAME"); v != "" {
		c.Username = v
	}
	c.Password = getenv("NEO4J_PASSWORD")
	c.CAFile = getenv(EnvCAFile)
	if c.URI == "" {
		return Config{}, ErrNotConfigured
	}
	c, err := c.withoutURICredentials()
	if err != nil {
		return Config{}, err
	}
	if c.Username == "" {
		c.Username = "neo4j"
	}
	return c, nil
}

// configFile is graph.json.
type configFile struct {
	URI      string `json:"uri"`
	Username string `json:"username"`
}

// readConfigFile decodes graph.json; errors never quote the uri.
func readConfigFile(b []byte) (configFile, error) {
	var f configFile
	if err := json.Unmarshal(b, &f); err != nil {
		return f, err
	}
	if f.URI == "" {
		return f, nil
	}
	u, err := url.Parse(f.URI)
	if err != nil || u.Host == "" {
		return f, fmt.Errorf("uri %s is not a URI of the form scheme://host:port", RedactURI(f.URI))
	}
	if _, ok := u.User.Password(); ok {
		return f, errors.New("uri holds a password: set it in NEO4J_PASSWORD instead (the password never lives in a file)")
	}
	return f, nil
}

// withoutURICredentials moves user:password@ out of the URI into Username
// and Password where those are empty. An unparseable URI is an error that
// shows it redacted (url.Parse's own error would quote it whole).
func (c Config) withoutURICredentials() (Config, error) {
	u, err := url.Parse(c.URI)
	if err != nil || u.Host == "" {
		return c, fmt.Errorf("Neo4j URI %s is not a URI of the form scheme://host:port", RedactURI(c.URI))
	}
	if u.User == nil {
		return c, nil
	}
	if c.Username == "" {
		c.Username = u.User.Username()
	}
	if p, ok := u.User.Password(); ok && c.Password == "" {
		c.Password = p
	}
	u.User = nil
	c.URI = u.String()
	return c, nil
}

// RedactURI is uri safe to print: everything before its last '@' but a
// leading scheme:// becomes "xxxxx". It does not parse uri, so that it
// redacts malformed URIs too (a password holding '/' or '#' breaks parsing).
func RedactURI(uri string) string {
	at := strings.LastIndexByte(uri, '@')
	if at < 0 {
		return uri
	}
	start := 0
	if i := strings.Index(uri[:at], "://"); i >= 0 && isScheme(uri[:i]) {
		start = i + len("://")
	}
	return uri[:start] + "xxxxx" + uri[at:]
}

// isScheme reports whether s is a URI scheme: a letter, then letters,
// digits, '+', '-' or '.' (RFC 3986, section 3.1).
func isScheme(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// Client is an open, verified connection to Neo4j.
type Client struct {
	driver n4j.DriverWithContext
	cfg    Config
}

// ErrAuth, ErrAuthLocked and ErrUnreachable classify a failed Connect so
// the CLI can say one clear thing instead of a stack of retries.
var (
	ErrAuth        = errors.New("Neo4j refused the credentials")
	ErrAuthLocked  = errors.New("Neo4j is refusing logins for a while after too many failed attempts")
	ErrUnreachable = errors.New("Neo4j is unreachable")
)

// EnvCAFile names a PEM file of the certificate authorities to trust for
// bolt+s:// and neo4j+s:// (a team's private CA); unset, the system's.
const EnvCAFile = "CYBERSTREAMS_NEO4J_CA_FILE"

// Connect opens a driver and verifies connectivity once, classifying a
// wrong password, a lock-out, a TLS mismatch or an unreachable host before
// any work starts.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.URI == "" {
		return nil, ErrNotConfigured
	}
	if cfg.RetryFor == 0 {
		cfg.RetryFor = 30 * time.Second
	}
	cfg, err := cfg.withoutURICredentials()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	d, err := n4j.NewDriverWithContext(cfg.URI, n4j.BasicAuth(cfg.Username, cfg.Password, ""), func(c *n4jcfg.Config) {
		c.MaxTransactionRetryTime = cfg.RetryFor
		c.SocketConnectTimeout = 5 * time.Second
		c.ConnectionAcquisitionTimeout = 10 * time.Second
		c.TlsConfig = tlsCfg
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j %s: %w", RedactURI(cfg.URI), err)
	}
	if err := d.VerifyConnectivity(ctx); err != nil {
		d.Close(ctx)
		return nil, classify(cfg, err)
	}
	return &Client{driver: d, cfg: cfg}, nil
}

// verifiedTLS reports whether uri's scheme asks for TLS with a verified
// certificate (bolt+s, neo4j+s); +ssc accepts any certificate.
func verifiedTLS(uri string) bool {
	scheme, _, _ := strings.Cut(uri, "://")
	return strings.HasSuffix(strings.ToLower(scheme), "+s")
}

// usesTLS reports whether uri's scheme asks for TLS at all.
func usesTLS(uri string) bool {
	scheme, _, _ := strings.Cut(uri, "://")
	return strings.Contains(scheme, "+")
}

// tlsConfig is the driver's TLS configuration: the CAs of CAFile when one
// is given. A CA file with a URI that does not verify certificates is a
// mistake worth saying, not a setting to drop silently.
func (c Config) tlsConfig() (*tls.Config, error) {
	if c.CAFile == "" {
		return nil, nil
	}
	if !verifiedTLS(c.URI) {
		return nil, fmt.Errorf("%s is set but %s does not verify certificates: use bolt+s:// or neo4j+s://", EnvCAFile, RedactURI(c.URI))
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvCAFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate in it", EnvCAFile, c.CAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// classify turns a failed connection into one sentence that says what to
// do. The driver's TLS errors are internal types without Unwrap, so TLS
// failures are told apart by their text.
func classify(cfg Config, err error) error {
	where := RedactURI(cfg.URI)
	var ne *n4j.Neo4jError
	if errors.As(err, &ne) {
		switch {
		case ne.Code == "Neo.ClientError.Security.AuthenticationRateLimit":
			return fmt.Errorf("%w: user %q at %s; wait and retry (the password may well be right)", ErrAuthLocked, cfg.Username, where)
		case ne.Code == "Neo.ClientError.Security.Unauthorized":
			return fmt.Errorf("%w: user %q at %s (%s); check NEO4J_USERNAME and NEO4J_PASSWORD", ErrAuth, cfg.Username, where, ne.Msg)
		case strings.HasPrefix(ne.Code, "Neo.ClientError.Security."):
			return fmt.Errorf("%w: user %q at %s: %s (%s)", ErrAuth, cfg.Username, where, ne.Msg, ne.Code)
		}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "x509: certificate signed by unknown authority"),
		strings.Contains(msg, "x509: certificate is not trusted"):
		return fmt.Errorf("%w at %s: its certificate is not signed by a CA this machine trusts; set %s to the team's CA certificate (PEM)",
			ErrUnreachable, where, EnvCAFile)
	case strings.Contains(msg, "x509: certificate is valid for"):
		return fmt.Errorf("%w at %s: its certificate is for another host name (%v); use the name it was issued for", ErrUnreachable, where, err)
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return fmt.Errorf("%w at %s: the server does not speak TLS on this port; use bolt:// or neo4j://", ErrUnreachable, where)
	case usesTLS(cfg.URI) && strings.Contains(msg, "check that TLS is enabled on the server"):
		return fmt.Errorf("%w at %s: the server closed the connection during the TLS handshake; check that TLS is enabled on it", ErrUnreachable, where)
	case !usesTLS(cfg.URI) && n4j.IsConnectivityError(err) &&
		(strings.HasSuffix(msg, "EOF") || strings.Contains(msg, "connection reset by peer")):
		return fmt.Errorf("%w at %s: the server closed the connection during the Bolt handshake; "+
			"if it requires TLS, use bolt+s:// or neo4j+s:// (and %s for a private CA)", ErrUnreachable, where, EnvCAFile)
	case n4j.IsConnectivityError(err) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, where, err)
	}
	return fmt.Errorf("neo4j %s: %w", where, err)
}

// Close closes the driver.
func (c *Client) Close(ctx context.Context) error { return c.driver.Close(ctx) }

// URI is where the client is connected, without credentials.
func (c *Client) URI() string { return RedactURI(c.cfg.URI) }

// read runs one query in a read transaction and returns its records.
func (c *Client) read(ctx context.Context, cypher string, params map[string]any) ([]*n4j.Record, error) {
	sess := c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: n4j.AccessModeRead})
	defer sess.Close(ctx)
	out, err := sess.ExecuteRead(ctx, func(tx n4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		return res.Collect(ctx)
	})
	if err != nil {
		return nil, err
	}
	return out.([]*n4j.Record), nil
}

// ReadQuery runs an analyst's Cypher in a READ transaction: the server
// refuses any write in it, and CheckReadOnlyCypher refuses beforehand what
// a read transaction would still run (LOAD CSV, procedures outside the
// read-only allow-list). It returns the column names and the rows.
func (c *Client) ReadQuery(ctx context.Context, cypher string, params map[string]any) ([]string, []map[string]any, error) {
	if err := CheckReadOnlyCypher(cypher); err != nil {
		return nil, nil, err
	}
	recs, err := c.read(ctx, cypher, params)
	if err != nil {
		return nil, nil, fmt.Errorf("cypher query: %w", err)
	}
	var keys []string
	rows := make([]map[string]any, 0, len(recs))
	for _, r := range recs {
		if keys == nil {
			keys = r.Keys
		}
		m := make(map[string]any, len(r.Keys))
		for i, k := range r.Keys {
			m[k] = r.Values[i]
		}
		rows = append(rows, m)
	}
	return keys, rows, nil
}
