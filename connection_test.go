package connectors_test

import (
	"bytes"
	"strings"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
)

const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestSecretBox_SealOpenRoundTrips(t *testing.T) {
	t.Parallel()
	box, err := connectors.NewSecretBox(testKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal("slug1", "whsec_abcdef")
	if bytes.Contains(sealed, []byte("abcdef")) {
		t.Fatalf("sealed form holds the secret: %q", sealed)
	}
	got, err := box.Open("slug1", sealed)
	if err != nil || got != "whsec_abcdef" {
		t.Fatalf("got %q, %v; want the secret back", got.Reveal(), err)
	}
}

func TestSecretBox_RefusesOtherSlugKeyOrAlteredBytes(t *testing.T) {
	t.Parallel()
	box, _ := connectors.NewSecretBox(testKey)
	other, _ := connectors.NewSecretBox(connectors.Secret(strings.Repeat("ab", 32)))
	sealed := box.Seal("slug1", "s3cret")
	altered := bytes.Clone(sealed)
	altered[len(altered)-1] ^= 1

	cases := map[string]func() error{
		"other slug":    func() error { _, err := box.Open("slug2", sealed); return err },
		"other key":     func() error { _, err := other.Open("slug1", sealed); return err },
		"altered bytes": func() error { _, err := box.Open("slug1", altered); return err },
		"too short":     func() error { _, err := box.Open("slug1", sealed[:5]); return err },
	}
	for name, open := range cases {
		if got := connectors.ErrorCode(open()); got != connectors.EINVALID {
			t.Errorf("%s: got code %q, want %q", name, got, connectors.EINVALID)
		}
	}
}

func TestNewSecretBox_RefusesMissingOrShortKey(t *testing.T) {
	t.Parallel()
	if _, err := connectors.NewSecretBox(""); err != connectors.ErrNoSecretKey {
		t.Errorf("empty key: got %v, want ErrNoSecretKey", err)
	}
	for _, key := range []connectors.Secret{"abcd", "not a key at all",
		connectors.Secret(strings.Repeat("a", 63))} {
		if _, err := connectors.NewSecretBox(key); err == nil {
			t.Errorf("key of %d characters: got nil, want an error", len(key))
		}
	}
	b64 := connectors.Secret("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if _, err := connectors.NewSecretBox(b64); err != nil {
		t.Errorf("base64 key: got %v, want nil", err)
	}
}

func TestSecretHint_ShowsOnlyTheKind(t *testing.T) {
	t.Parallel()
	cases := map[connectors.Secret]string{
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw": "whsec_…",
		"8f742231b10e8888abcd99yyyzzz85a5":       "…",
		"short":                                  "…",
	}
	for secret, want := range cases {
		if got := connectors.SecretHint(secret); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestProvider_Source(t *testing.T) {
	t.Parallel()
	want := map[connectors.Provider]connectors.Source{
		connectors.ProviderGitHub:   connectors.SourceGitHub,
		connectors.ProviderSlack:    connectors.SourceSlack,
		connectors.ProviderStripe:   connectors.SourceCustom,
		connectors.ProviderStandard: connectors.SourceCustom,
		connectors.ProviderCustom:   connectors.SourceCustom,
	}
	for p, s := range want {
		if got := p.Source(); got != s {
			t.Errorf("%s: got %q, want %q", p, got, s)
		}
	}
}
