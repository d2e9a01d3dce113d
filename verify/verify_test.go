package verify_test

import (
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/verify"
)

// secrets turns texts into the secrets a check takes.
func secrets(texts ...string) [][]byte {
	out := make([][]byte, len(texts))
	for i, t := range texts {
		out[i] = []byte(t)
	}
	return out
}

// wantKind fails unless err is a refusal of the given kind and cause.
func wantKind(t *testing.T, err error, kind verify.Kind) {
	t.Helper()
	if got := verify.KindOf(err); got != kind {
		t.Fatalf("kind: got %d (%v), want %d", got, err, kind)
	}
	want := connectors.CauseBadSignature
	if kind == verify.Stale {
		want = connectors.CauseStaleTimestamp
	}
	if got := verify.Cause(err); got != want {
		t.Fatalf("cause: got %q, want %q", got, want)
	}
}

// GitHub's documented example.
const (
	githubSecret = "It's a Secret to Everybody"
	githubBody   = "Hello, World!"
	githubSig    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

func TestGitHub_AcceptsPublishedExample(t *testing.T) {
	t.Parallel()
	err := verify.GitHub(secrets(githubSecret), githubSig, []byte(githubBody))
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

func TestGitHub_AcceptsEitherSecretDuringRotation(t *testing.T) {
	t.Parallel()
	err := verify.GitHub(secrets("new secret", githubSecret), githubSig,
		[]byte(githubBody))
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

func TestGitHub_Refuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, secret, header, body string
		kind                       verify.Kind
	}{
		{"body changed by one byte", githubSecret, githubSig, "Hello, World?", verify.Mismatch},
		{"wrong secret", "It's a secret to everybody", githubSig, githubBody, verify.Mismatch},
		{"no header", githubSecret, "", githubBody, verify.Missing},
		{"sha1 prefix", githubSecret, "sha1=" + githubSig[7:], githubBody, verify.Malformed},
		{"not hex", githubSecret, "sha256=zz", githubBody, verify.Malformed},
		{"truncated", githubSecret, githubSig[:21], githubBody, verify.Mismatch},
		{"empty secret", "", githubSig, githubBody, verify.Mismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := verify.GitHub(secrets(c.secret), c.header, []byte(c.body))
			wantKind(t, err, c.kind)
		})
	}
}

// Slack's documented example of a slash command.
const (
	slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	slackTS     = "1531420618"
	slackSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	slackBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&" +
		"team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&" +
		"user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&" +
		"text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F" +
		"T1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&" +
		"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)

var slackAt = time.Unix(1531420618, 0)

func TestSlack_AcceptsPublishedExample(t *testing.T) {
	t.Parallel()
	err := verify.Slack(secrets(slackSecret), slackTS, slackSig,
		[]byte(slackBody), slackAt.Add(time.Minute), 0)
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

func TestSlack_Refuses(t *testing.T) {
	t.Parallel()
	tampered := []byte(slackBody)
	tampered[len(tampered)-1] ^= 1
	cases := []struct {
		name, secret, ts, sig string
		body                  []byte
		now                   time.Time
		kind                  verify.Kind
	}{
		{"body changed by one byte", slackSecret, slackTS, slackSig, tampered, slackAt, verify.Mismatch},
		{"wrong secret", "8f742231b10e8888abcd99yyyzzz85a6", slackTS, slackSig, []byte(slackBody), slackAt, verify.Mismatch},
		{"timestamp changed", slackSecret, "1531420619", slackSig, []byte(slackBody), slackAt, verify.Mismatch},
		{"stale", slackSecret, slackTS, slackSig, []byte(slackBody), slackAt.Add(5*time.Minute + time.Second), verify.Stale},
		{"future", slackSecret, slackTS, slackSig, []byte(slackBody), slackAt.Add(-5*time.Minute - time.Second), verify.Stale},
		{"no timestamp", slackSecret, "", slackSig, []byte(slackBody), slackAt, verify.Missing},
		{"timestamp not a number", slackSecret, "soon", slackSig, []byte(slackBody), slackAt, verify.Malformed},
		{"no signature", slackSecret, slackTS, "", []byte(slackBody), slackAt, verify.Missing},
		{"v1 prefix", slackSecret, slackTS, "v1=" + slackSig[3:], []byte(slackBody), slackAt, verify.Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := verify.Slack(secrets(c.secret), c.ts, c.sig, c.body, c.now, 0)
			wantKind(t, err, c.kind)
		})
	}
}

// The worked example of the Standard Webhooks specification.
const (
	standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	standardID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	standardTS     = "1614265330"
	standardBody   = `{"test": 2432232314}`
	standardSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var standardAt = time.Unix(1614265330, 0)

func standardKey(t *testing.T, secret string) [][]byte {
	t.Helper()
	key, err := verify.StandardSecret(secret)
	if err != nil {
		t.Fatalf("StandardSecret: %v", err)
	}
	return [][]byte{key}
}

func TestStandard_AcceptsPublishedExample(t *testing.T) {
	t.Parallel()
	err := verify.Standard(standardKey(t, standardSecret), standardID,
		standardTS, standardSig, []byte(standardBody), standardAt, 0)
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

func TestStandard_AcceptsOneOfSeveralSignatures(t *testing.T) {
	t.Parallel()
	header := "v1a,c29tZXRoaW5nIGVsc2U= v1,Ym9ndXMgc2lnbmF0dXJl " + standardSig
	err := verify.Standard(standardKey(t, standardSecret), standardID,
		standardTS, header, []byte(standardBody), standardAt, 0)
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

func TestStandard_Refuses(t *testing.T) {
	t.Parallel()
	other := "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx"
	cases := []struct {
		name, secret, id, ts, sig, body string
		now                             time.Time
		kind                            verify.Kind
	}{
		{"body changed by one byte", standardSecret, standardID, standardTS, standardSig, `{"test": 2432232315}`, standardAt, verify.Mismatch},
		{"wrong secret", other, standardID, standardTS, standardSig, standardBody, standardAt, verify.Mismatch},
		{"other id", standardSecret, "msg_other", standardTS, standardSig, standardBody, standardAt, verify.Mismatch},
		{"stale", standardSecret, standardID, standardTS, standardSig, standardBody, standardAt.Add(6 * time.Minute), verify.Stale},
		{"future", standardSecret, standardID, standardTS, standardSig, standardBody, standardAt.Add(-6 * time.Minute), verify.Stale},
		{"no id", standardSecret, "", standardTS, standardSig, standardBody, standardAt, verify.Missing},
		{"no signature", standardSecret, standardID, standardTS, "", standardBody, standardAt, verify.Missing},
		{"no v1", standardSecret, standardID, standardTS, "v2,abcd", standardBody, standardAt, verify.Malformed},
		{"not base64", standardSecret, standardID, standardTS, "v1,!!!", standardBody, standardAt, verify.Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := verify.Standard(standardKey(t, c.secret), c.id, c.ts, c.sig,
				[]byte(c.body), c.now, 0)
			wantKind(t, err, c.kind)
		})
	}
}

func TestStandardSecret_RefusesNonBase64(t *testing.T) {
	t.Parallel()
	_, err := verify.StandardSecret("whsec_not base64!")
	wantKind(t, err, verify.Malformed)
}

// stripe* is a delivery signed per Stripe's documented scheme; the
// signature was computed apart from this package, with Python's hmac.
const (
	stripeSecret = "whsec_test_secret"
	stripeTS     = "1492774577"
	stripeBody   = `{"id":"evt_1","type":"charge.succeeded"}`
	stripeV1     = "4ee5e8d695c9619e003fd480d3d51700d924e29697337d379a6ef6e06e703ab4"
)

var stripeAt = time.Unix(1492774577, 0)

func TestStripe_AcceptsSignedDelivery(t *testing.T) {
	t.Parallel()
	headers := []string{
		"t=" + stripeTS + ",v1=" + stripeV1,
		"t=" + stripeTS + ",v1=" + stripeV1 + ",v0=6ffbb59b2300aae63f27240",
		"t=" + stripeTS + ",v1=" + "00" + stripeV1[2:] + ",v1=" + stripeV1,
	}
	for _, h := range headers {
		err := verify.Stripe(secrets(stripeSecret), h, []byte(stripeBody),
			stripeAt.Add(4*time.Minute), 0)
		if err != nil {
			t.Errorf("%s: got %v, want nil", h, err)
		}
	}
}

func TestStripe_Refuses(t *testing.T) {
	t.Parallel()
	good := "t=" + stripeTS + ",v1=" + stripeV1
	cases := []struct {
		name, secret, header, body string
		now                        time.Time
		kind                       verify.Kind
	}{
		{"body changed by one byte", stripeSecret, good, `{"id":"evt_2","type":"charge.succeeded"}`, stripeAt, verify.Mismatch},
		{"wrong secret", "whsec_test_secreT", good, stripeBody, stripeAt, verify.Mismatch},
		{"stale", stripeSecret, good, stripeBody, stripeAt.Add(301 * time.Second), verify.Stale},
		{"future", stripeSecret, good, stripeBody, stripeAt.Add(-301 * time.Second), verify.Stale},
		{"no header", stripeSecret, "", stripeBody, stripeAt, verify.Missing},
		{"no t", stripeSecret, "v1=" + stripeV1, stripeBody, stripeAt, verify.Malformed},
		{"no v1", stripeSecret, "t=" + stripeTS + ",v0=" + stripeV1, stripeBody, stripeAt, verify.Malformed},
		{"v1 not hex", stripeSecret, "t=" + stripeTS + ",v1=xyz", stripeBody, stripeAt, verify.Malformed},
		{"item without =", stripeSecret, good + ",junk", stripeBody, stripeAt, verify.Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := verify.Stripe(secrets(c.secret), c.header, []byte(c.body),
				c.now, 0)
			wantKind(t, err, c.kind)
		})
	}
}

func TestStripe_HonoursTolerance(t *testing.T) {
	t.Parallel()
	good := "t=" + stripeTS + ",v1=" + stripeV1
	err := verify.Stripe(secrets(stripeSecret), good, []byte(stripeBody),
		stripeAt.Add(20*time.Minute), 30*time.Minute)
	if err != nil {
		t.Fatalf("within a 30m tolerance: got %v, want nil", err)
	}
	err = verify.Stripe(secrets(stripeSecret), good, []byte(stripeBody),
		stripeAt.Add(20*time.Minute), 10*time.Minute)
	wantKind(t, err, verify.Stale)
}

// The HMAC signatures below were computed with Python's hmac.
func TestHMAC_AcceptsEachAlgorithmAndEncoding(t *testing.T) {
	t.Parallel()
	body := []byte(`{"order":42}`)
	cases := []struct {
		scheme verify.HMACScheme
		value  string
	}{
		{verify.HMACScheme{Header: "X-Sig", Algorithm: verify.SHA1,
			Encoding: verify.Hex, Prefix: "sha1="},
			"sha1=a2171d533901bf9ac31ef51657409e6ff0e1ab0b"},
		{verify.HMACScheme{Header: "X-Sig", Algorithm: verify.SHA512,
			Encoding: verify.Base64},
			"XQwr4WBR7KkcLPcCbnjcu4Cea61fgb7SiWpwBLqnUEffgwdxB/Vf2ZkZd1zbXvZnnV+Sho8dw7dsq1shmwhbRg=="},
		{verify.HMACScheme{Header: "X-Hub-Signature-256",
			Algorithm: verify.SHA256, Encoding: verify.Hex, Prefix: "sha256="},
			githubSig},
	}
	for _, c := range cases {
		b := body
		s := "s3cret"
		if c.scheme.Algorithm == verify.SHA256 {
			b, s = []byte(githubBody), githubSecret
		}
		if err := verify.HMAC(c.scheme, secrets(s), c.value, b); err != nil {
			t.Errorf("%s/%s: got %v, want nil", c.scheme.Algorithm,
				c.scheme.Encoding, err)
		}
	}
}

func TestHMAC_Refuses(t *testing.T) {
	t.Parallel()
	scheme := verify.HMACScheme{Header: "X-Sig", Algorithm: verify.SHA1,
		Encoding: verify.Hex, Prefix: "sha1="}
	good := "sha1=a2171d533901bf9ac31ef51657409e6ff0e1ab0b"
	cases := []struct {
		name, secret, value, body string
		kind                      verify.Kind
	}{
		{"body changed by one byte", "s3cret", good, `{"order":43}`, verify.Mismatch},
		{"wrong secret", "s3creT", good, `{"order":42}`, verify.Mismatch},
		{"no header", "s3cret", "", `{"order":42}`, verify.Missing},
		{"no prefix", "s3cret", good[5:], `{"order":42}`, verify.Malformed},
		{"not hex", "s3cret", "sha1=xx", `{"order":42}`, verify.Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := verify.HMAC(scheme, secrets(c.secret), c.value, []byte(c.body))
			wantKind(t, err, c.kind)
		})
	}
}

func TestHMACScheme_RefusesUnknownAlgorithmOrEncoding(t *testing.T) {
	t.Parallel()
	bad := []verify.HMACScheme{
		{Header: "", Algorithm: verify.SHA256, Encoding: verify.Hex},
		{Header: "X-Sig", Algorithm: "md5", Encoding: verify.Hex},
		{Header: "X-Sig", Algorithm: verify.SHA256, Encoding: "base32"},
	}
	for _, s := range bad {
		if err := s.Check(); verify.KindOf(err) != verify.Malformed {
			t.Errorf("%+v: got %v, want a malformed refusal", s, err)
		}
	}
}

func TestToken_AcceptsEitherSecretAndRefusesOthers(t *testing.T) {
	t.Parallel()
	keys := secrets("old-token", "new-token")
	for _, v := range []string{"old-token", "new-token"} {
		if err := verify.Token("X-Token", keys, v); err != nil {
			t.Errorf("%s: got %v, want nil", v, err)
		}
	}
	wantKind(t, verify.Token("X-Token", keys, "new-tokeN"), verify.Mismatch)
	wantKind(t, verify.Token("X-Token", keys, "new-token "), verify.Mismatch)
	wantKind(t, verify.Token("X-Token", keys, ""), verify.Missing)
	wantKind(t, verify.Token("X-Token", secrets(""), ""), verify.Missing)
	wantKind(t, verify.Token("X-Token", secrets(""), "x"), verify.Mismatch)
}

func TestError_DetailNeverHoldsTheSignature(t *testing.T) {
	t.Parallel()
	err := verify.GitHub(secrets("wrong"), githubSig, []byte(githubBody))
	if got, want := err.Error(), "X-Hub-Signature-256 does not match"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
