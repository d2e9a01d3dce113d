package connectors

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecret_NeverShowsItsValue(t *testing.T) {
	t.Parallel()
	const value = "s3cr3t-value-1234"
	s := Secret(value)
	type config struct{ Token Secret }
	c := config{Token: s}

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("config", "token", s, "config", c)
	text := slog.New(slog.NewTextHandler(&logs, nil))
	text.Info("config", "token", s, "config", c)
	j, _ := json.Marshal(c)

	for name, out := range map[string]string{
		"%v":         fmt.Sprintf("%v", s),
		"%s":         fmt.Sprintf("%s", s),
		"%#v":        fmt.Sprintf("%#v", c),
		"%+v struct": fmt.Sprintf("%+v", c),
		"json":       string(j),
		"slog":       logs.String(),
	} {
		if strings.Contains(out, value) {
			t.Errorf("%s shows the secret: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s: got %s, want [redacted] in it", name, out)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal: got %q, want the value", s.Reveal())
	}
}

func TestSecret_Equal(t *testing.T) {
	t.Parallel()
	s := Secret("abc")
	for got, want := range map[string]bool{"abc": true, "abd": false, "ab": false, "": false} {
		if s.Equal(got) != want {
			t.Errorf("Equal(%q) = %v, want %v", got, !want, want)
		}
	}
	if Secret("").Equal("") {
		t.Error("an empty secret equals the empty string, want it to equal nothing")
	}
}

func TestGenerateSecret_WritesAsTheProviderDoes(t *testing.T) {
	t.Parallel()
	std := GenerateSecret(ProviderStandard).Reveal()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(std, "whsec_"))
	if !strings.HasPrefix(std, "whsec_") || err != nil || len(raw) != 32 {
		t.Errorf("standard: got %q (%v), want whsec_ and 32 bytes in base64", std, err)
	}
	gh := GenerateSecret(ProviderGitHub).Reveal()
	raw, err = hex.DecodeString(gh)
	if err != nil || len(raw) != 32 {
		t.Errorf("github: got %q (%v), want 32 bytes in hex", gh, err)
	}
	if again := GenerateSecret(ProviderGitHub).Reveal(); again == gh {
		t.Errorf("two secrets are equal: %q", gh)
	}
}
