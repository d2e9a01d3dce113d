package verify

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// GitHubHeader carries GitHub's signature of a delivery.
const GitHubHeader = "X-Hub-Signature-256"

// GitHub checks the X-Hub-Signature-256 header: "sha256=" and the hex
// HMAC-SHA256 of the body as sent.
func GitHub(secrets [][]byte, header string, body []byte) error {
	if header == "" {
		return fail(Missing, "no %s", GitHubHeader)
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return fail(Malformed, "%s does not start with sha256=", GitHubHeader)
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil {
		return fail(Malformed, "%s is not hex", GitHubHeader)
	}
	if !anyMatch(sha256.New, secrets, [][]byte{sig}, body) {
		return fail(Mismatch, "%s does not match", GitHubHeader)
	}
	return nil
}

// The headers of Slack's signature.
const (
	SlackSignatureHeader = "X-Slack-Signature"
	SlackTimestampHeader = "X-Slack-Request-Timestamp"
)

// Slack checks Slack's v0 signature: "v0=" and the hex HMAC-SHA256 of
// "v0:", the timestamp, ":" and the body, refused when the timestamp is
// further than tolerance from now (0: DefaultTolerance).
func Slack(secrets [][]byte, timestamp, signature string, body []byte,
	now time.Time, tolerance time.Duration) error {
	if signature == "" {
		return fail(Missing, "no %s", SlackSignatureHeader)
	}
	if _, err := checkTimestamp(SlackTimestampHeader, timestamp, now,
		tolerance); err != nil {
		return err
	}
	hexSig, ok := strings.CutPrefix(signature, "v0=")
	if !ok {
		return fail(Malformed, "%s does not start with v0=",
			SlackSignatureHeader)
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil {
		return fail(Malformed, "%s is not hex", SlackSignatureHeader)
	}
	base := []byte("v0:" + timestamp + ":")
	if !anyMatch(sha256.New, secrets, [][]byte{sig}, base, body) {
		return fail(Mismatch, "%s does not match", SlackSignatureHeader)
	}
	return nil
}

// StripeHeader carries Stripe's signature of a delivery.
const StripeHeader = "Stripe-Signature"

// Stripe checks the Stripe-Signature header: "t=" a Unix time and one or
// more "v1=" hex HMAC-SHA256 of the time, "." and the body, under the
// endpoint's secret as given (whsec_ prefix included). Signatures of
// other schemes (v0) are ignored, as Stripe's libraries do.
func Stripe(secrets [][]byte, header string, body []byte, now time.Time,
	tolerance time.Duration) error {
	if header == "" {
		return fail(Missing, "no %s", StripeHeader)
	}
	ts, sigs, err := ParseStripeHeader(header)
	if err != nil {
		return err
	}
	_, err = checkTimestamp(StripeHeader+" t", ts, now, tolerance)
	if err != nil {
		return err
	}
	if !anyMatch(sha256.New, secrets, sigs, []byte(ts+"."), body) {
		return fail(Mismatch, "no v1 signature in %s matches", StripeHeader)
	}
	return nil
}

// ParseStripeHeader returns the timestamp and the v1 signatures of a
// Stripe-Signature header such as "t=1492774577,v1=5257a8…,v1=…". The
// timestamp is returned as sent, since it is signed as text.
func ParseStripeHeader(header string) (string, [][]byte, error) {
	var ts string
	var sigs [][]byte
	for item := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return "", nil, fail(Malformed, "%s has an item without =",
				StripeHeader)
		}
		switch key {
		case "t":
			ts = value
		case "v1":
			sig, err := hex.DecodeString(value)
			if err != nil {
				return "", nil, fail(Malformed, "%s has a v1 that is not hex",
					StripeHeader)
			}
			sigs = append(sigs, sig)
		}
	}
	switch {
	case ts == "":
		return "", nil, fail(Malformed, "%s has no t", StripeHeader)
	case len(sigs) == 0:
		return "", nil, fail(Malformed, "%s has no v1", StripeHeader)
	}
	return ts, sigs, nil
}

// The headers of Standard Webhooks.
const (
	StandardIDHeader        = "webhook-id"
	StandardTimestampHeader = "webhook-timestamp"
	StandardSignatureHeader = "webhook-signature"
)

// standardPrefix starts a Standard Webhooks secret.
const standardPrefix = "whsec_"

// StandardSecret decodes a Standard Webhooks secret: "whsec_" and the
// base64 of the key. The key is what signs; the text is what operators
// copy.
func StandardSecret(secret string) ([]byte, error) {
	b64 := strings.TrimPrefix(secret, standardPrefix)
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) == 0 {
		return nil, fail(Malformed, "the secret is not whsec_ and base64")
	}
	return key, nil
}

// Standard checks a Standard Webhooks signature: webhook-signature holds
// space-separated "v1,<base64>" HMAC-SHA256 of the id, ".", the
// timestamp, "." and the body, under the decoded key (see
// StandardSecret). Several are sent while the sender rotates its secret;
// one matching is enough.
func Standard(keys [][]byte, id, timestamp, signature string, body []byte,
	now time.Time, tolerance time.Duration) error {
	switch {
	case id == "":
		return fail(Missing, "no %s", StandardIDHeader)
	case signature == "":
		return fail(Missing, "no %s", StandardSignatureHeader)
	}
	if _, err := checkTimestamp(StandardTimestampHeader, timestamp, now,
		tolerance); err != nil {
		return err
	}
	sigs, err := ParseStandardSignatures(signature)
	if err != nil {
		return err
	}
	base := []byte(id + "." + timestamp + ".")
	if !anyMatch(sha256.New, keys, sigs, base, body) {
		return fail(Mismatch, "no v1 signature in %s matches",
			StandardSignatureHeader)
	}
	return nil
}

// ParseStandardSignatures returns the v1 signatures of a
// webhook-signature header. Signatures of other versions (v1a, an
// asymmetric scheme) are skipped; a header with no v1 is malformed.
func ParseStandardSignatures(header string) ([][]byte, error) {
	var sigs [][]byte
	for item := range strings.FieldsSeq(header) {
		version, b64, ok := strings.Cut(item, ",")
		if !ok {
			return nil, fail(Malformed, "%s has an item without a version",
				StandardSignatureHeader)
		}
		if version != "v1" {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fail(Malformed, "%s has a v1 that is not base64",
				StandardSignatureHeader)
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return nil, fail(Malformed, "%s has no v1", StandardSignatureHeader)
	}
	return sigs, nil
}

// Encoding is how a generic HMAC signature is written in its header.
type Encoding string

// The supported encodings.
const (
	Hex    Encoding = "hex"
	Base64 Encoding = "base64"
)

// HMACScheme is a generic HMAC over the body: the header that carries it,
// the hash, the encoding and a prefix before the signature ("sha256=").
type HMACScheme struct {
	Header    string
	Algorithm Algorithm
	Encoding  Encoding
	Prefix    string
}

// Check reports whether the scheme can be used: a header, a supported
// algorithm and encoding.
func (s HMACScheme) Check() error {
	switch {
	case strings.TrimSpace(s.Header) == "":
		return fail(Malformed, "the HMAC scheme needs a header")
	case !s.Algorithm.Valid():
		return fail(Malformed, "unknown HMAC algorithm %q (want sha1, "+
			"sha256 or sha512)", s.Algorithm)
	case s.Encoding != Hex && s.Encoding != Base64:
		return fail(Malformed, "unknown HMAC encoding %q (want hex or "+
			"base64)", s.Encoding)
	}
	return nil
}

// HMAC checks value, the content of the scheme's header, against the
// HMAC of the body.
func HMAC(s HMACScheme, secrets [][]byte, value string, body []byte) error {
	if err := s.Check(); err != nil {
		return err
	}
	if value == "" {
		return fail(Missing, "no %s", s.Header)
	}
	encoded, ok := strings.CutPrefix(strings.TrimSpace(value), s.Prefix)
	if !ok {
		return fail(Malformed, "%s does not start with %s", s.Header,
			strconv.Quote(s.Prefix))
	}
	sig, err := decode(s.Encoding, encoded)
	if err != nil {
		return fail(Malformed, "%s is not %s", s.Header, s.Encoding)
	}
	if !anyMatch(s.Algorithm.newHash(), secrets, [][]byte{sig}, body) {
		return fail(Mismatch, "%s does not match", s.Header)
	}
	return nil
}

func decode(enc Encoding, s string) ([]byte, error) {
	if enc == Hex {
		return hex.DecodeString(s)
	}
	return base64.StdEncoding.DecodeString(s)
}

// Token checks that value, the content of a header, equals one of the
// secrets. Both sides are hashed first, so that the comparison takes the
// same time whatever their lengths.
func Token(header string, secrets [][]byte, value string) error {
	if value == "" {
		return fail(Missing, "no %s", header)
	}
	got := sha256.Sum256([]byte(value))
	if !anyEqual(secrets, got[:]) {
		return fail(Mismatch, "%s does not match", header)
	}
	return nil
}

func anyEqual(secrets [][]byte, got []byte) bool {
	ok := 0
	for _, secret := range secrets {
		if len(secret) == 0 {
			continue
		}
		want := sha256.Sum256(secret)
		ok |= subtleEqual(want[:], got)
	}
	return ok == 1
}
