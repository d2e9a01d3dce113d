package verify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ipai-ai/ipai-connectors/verify"
)

// The fuzz tests feed the header parsers anything: they must never
// panic, and a check must accept only the one right signature (hex in
// either case, since it decodes to the same bytes).

func FuzzStripeHeader(f *testing.F) {
	f.Add("t=" + stripeTS + ",v1=" + stripeV1)
	f.Add("t=1,v1=00,v1=ff,v0=aa")
	f.Add(",,=,t=")
	f.Add("t=1, v1=")
	f.Fuzz(func(t *testing.T, header string) {
		ts, sigs, err := verify.ParseStripeHeader(header)
		if err != nil {
			if verify.KindOf(err) != verify.Malformed {
				t.Fatalf("got %v, want a malformed refusal", err)
			}
			return
		}
		if ts == "" || len(sigs) == 0 {
			t.Fatalf("accepted %q with t %q and %d signatures", header, ts,
				len(sigs))
		}
		verify.Stripe(secrets("k"), header, []byte("{}"), time.Now(), 0)
	})
}

func FuzzStandardSignatures(f *testing.F) {
	f.Add(standardSig)
	f.Add("v1a,abc v1,YWJj  v1,")
	f.Add(",")
	f.Add("v1,=")
	f.Fuzz(func(t *testing.T, header string) {
		sigs, err := verify.ParseStandardSignatures(header)
		if err != nil {
			if verify.KindOf(err) != verify.Malformed {
				t.Fatalf("got %v, want a malformed refusal", err)
			}
			return
		}
		if len(sigs) == 0 {
			t.Fatalf("accepted %q with no signature", header)
		}
		verify.Standard([][]byte{[]byte("k")}, "id", "1", header, nil,
			time.Unix(1, 0), 0)
	})
}

func FuzzGitHubHeader(f *testing.F) {
	f.Add(githubSig)
	f.Add("sha256=")
	f.Add("sha256=0")
	f.Fuzz(func(t *testing.T, header string) {
		err := verify.GitHub(secrets(githubSecret), header, []byte(githubBody))
		if err == nil && !strings.EqualFold(header, githubSig) {
			t.Fatalf("accepted %q, want only %q", header, githubSig)
		}
	})
}

func FuzzSlackHeaders(f *testing.F) {
	f.Add(slackTS, slackSig)
	f.Add("-1", "v0=")
	f.Add("99999999999999999999", "v0=00")
	f.Fuzz(func(t *testing.T, ts, sig string) {
		err := verify.Slack(secrets(slackSecret), ts, sig, []byte(slackBody),
			slackAt, 0)
		if err == nil && (ts != slackTS || !strings.EqualFold(sig, slackSig)) {
			t.Fatalf("accepted %q %q", ts, sig)
		}
	})
}

func FuzzHMACHeader(f *testing.F) {
	f.Add("sha1=a2171d533901bf9ac31ef51657409e6ff0e1ab0b")
	f.Add("sha1=")
	f.Add("  sha1=zz  ")
	scheme := verify.HMACScheme{Header: "X-Sig", Algorithm: verify.SHA1,
		Encoding: verify.Hex, Prefix: "sha1="}
	f.Fuzz(func(t *testing.T, value string) {
		err := verify.HMAC(scheme, secrets("s3cret"), value,
			[]byte(`{"order":42}`))
		want := "sha1=a2171d533901bf9ac31ef51657409e6ff0e1ab0b"
		if err == nil && !strings.EqualFold(strings.TrimSpace(value), want) {
			t.Fatalf("accepted %q", value)
		}
	})
}

func FuzzStandardSecret(f *testing.F) {
	f.Add(standardSecret)
	f.Add("whsec_")
	f.Add("whsec_====")
	f.Fuzz(func(t *testing.T, secret string) {
		key, err := verify.StandardSecret(secret)
		if err == nil && len(key) == 0 {
			t.Fatalf("accepted %q as an empty key", secret)
		}
	})
}
