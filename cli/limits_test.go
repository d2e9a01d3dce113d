package cli

import (
	"log/slog"
	"testing"
)

func TestNewServer_RefusesShortTokens(t *testing.T) {
	t.Parallel()
	_, err := NewServer(Config{Token: "short"}, slog.New(slog.DiscardHandler))
	want := "the instance token is 5 characters long: use at least 8 " +
		"(make one with: openssl rand -hex 32)"
	if err == nil || err.Error() != want {
		t.Errorf("short token: got %v, want %q", err, want)
	}
}

func TestConfig_TrimsTheTokenAndCapsTheBodyLimit(t *testing.T) {
	t.Parallel()
	var c Config
	if err := applyToken(&c, "  0123456789abcdef \n"); err != nil {
		t.Fatalf("applyToken: %v", err)
	}
	if c.Token.Reveal() != "0123456789abcdef" {
		t.Errorf("token: got %q, want it trimmed", c.Token.Reveal())
	}
	if err := applyToken(&c, "   "); err != nil || c.Token != "" {
		t.Errorf("blank token: got %q, %v; want empty, so that serve refuses it", c.Token.Reveal(), err)
	}

	err := applyMaxBodyBytes(&c, "1073741825")
	want := "1073741825 is over the largest limit, 1073741824 bytes (1 GiB)"
	if err == nil || err.Error() != want {
		t.Errorf("body limit over 1 GiB: got %v, want %q", err, want)
	}
	if err := applyMaxBodyBytes(&c, "1073741824"); err != nil || c.MaxBodyBytes != 1<<30 {
		t.Errorf("body limit of 1 GiB: got %d, %v; want accepted", c.MaxBodyBytes, err)
	}
}
