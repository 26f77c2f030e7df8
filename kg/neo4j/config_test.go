package neo4j_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

// secret is the password every test here hides in a URI; no output may
// contain it.
const secret = "s3cret-Pw"

func TestRedactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"bolt://127.0.0.1:7687", "bolt://127.0.0.1:7687"},
		{"neo4j+s://ana:" + secret + "@db.example:7687", "neo4j+s://xxxxx@db.example:7687"},
		{"bolt://ana@db.example", "bolt://xxxxx@db.example"},
		{"bolt://ana:" + secret + "/x#y@db.example:7687/db", "bolt://xxxxx@db.example:7687/db"},
		{"bolt://ana:p@ss@" + secret + "@db", "bolt://xxxxx@db"},
		{"ana:" + secret + "@db:7687", "xxxxx@db:7687"},
		{"ana:" + secret + "@h://x", "xxxxx@h://x"},
		{"a b://ana:" + secret + "@h", "xxxxx@h"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := neo4j.RedactURI(tt.in); got != tt.want {
			t.Errorf("RedactURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Credentials in NEO4J_URI are used, and taken out of the URI; the
// environment's own NEO4J_USERNAME and NEO4J_PASSWORD win over them.
func TestConfigTakesCredentialsOutOfTheURI(t *testing.T) {
	tests := []struct {
		name, uri, user, password string // the environment
		want                      neo4j.Config
	}{
		{"credentials in the uri", "bolt://ana:" + secret + "@127.0.0.1:7687", "", "",
			neo4j.Config{URI: "bolt://127.0.0.1:7687", Username: "ana", Password: secret}},
		{"environment wins", "bolt://ana:" + secret + "@127.0.0.1:7687", "bob", "other",
			neo4j.Config{URI: "bolt://127.0.0.1:7687", Username: "bob", Password: "other"}},
		{"user only", "neo4j://ana@db.example", "", "pw",
			neo4j.Config{URI: "neo4j://db.example", Username: "ana", Password: "pw"}},
		{"plain uri", "bolt://127.0.0.1:7687", "", "pw",
			neo4j.Config{URI: "bolt://127.0.0.1:7687", Username: "neo4j", Password: "pw"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NEO4J_URI", tt.uri)
			t.Setenv("NEO4J_USERNAME", tt.user)
			t.Setenv("NEO4J_PASSWORD", tt.password)
			got, err := neo4j.ConfigFromEnv(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("config %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Every way a configuration reaches a message — its errors, its own
// formatting, JSON, a failed connection — names the server without the
// password.
func TestCredentialsAreNeverPrinted(t *testing.T) {
	ctx := context.Background()
	cfg := neo4j.Config{URI: "bolt://ana:" + secret + "@127.0.0.1:1", Username: "ana", Password: secret, RetryFor: time.Second}
	graphJSON := func(uri string) string {
		dir := t.TempDir()
		b, _ := json.Marshal(map[string]string{"uri": uri})
		if err := os.WriteFile(filepath.Join(dir, neo4j.ConfigFile), b, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	fromEnv := func(uri, dir string) func() (string, error) {
		return func() (string, error) {
			t.Setenv("NEO4J_URI", uri)
			t.Setenv("NEO4J_PASSWORD", "")
			c, err := neo4j.ConfigFromEnv(dir)
			return fmt.Sprintf("%v %+v %#v %s", c, c, c, c), err
		}
	}
	connect := func(c neo4j.Config) func() (string, error) {
		return func() (string, error) {
			cl, err := neo4j.Connect(ctx, c)
			if err == nil {
				cl.Close(ctx)
				return "", errors.New("connected to a closed port")
			}
			return "", err
		}
	}
	tests := []struct {
		name    string
		print   func() (string, error)
		wantErr string // "" when no error is expected
	}{
		{"config formatted", func() (string, error) {
			j, err := json.Marshal(cfg)
			return fmt.Sprintf("%v %+v %#v %s %q %s", cfg, cfg, cfg, cfg, cfg, j), err
		}, ""},
		{"config from NEO4J_URI", fromEnv(cfg.URI, ""), ""},
		{"unparseable NEO4J_URI", fromEnv("bolt://ana:"+secret+"/#@127.0.0.1:bad", ""), "not a URI"},
		{"graph.json with a password", fromEnv("", graphJSON(cfg.URI)), neo4j.ConfigFile + ": uri holds a password"},
		{"unparseable graph.json uri", fromEnv("", graphJSON("bolt://ana:"+secret+"/#@127.0.0.1:bad")), neo4j.ConfigFile},
		{"unreachable server", connect(cfg), "unreachable"},
		{"unsupported scheme", connect(neo4j.Config{URI: "ftp://ana:" + secret + "@127.0.0.1:1"}), "ftp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.print()
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			}
			if err != nil {
				out += " " + err.Error() + fmt.Sprintf(" %+v %#v", err, err)
			}
			if strings.Contains(out, secret) {
				t.Fatalf("printed the password: %s", out)
			}
		})
	}
}
