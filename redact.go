package connectors

import (
	"net/http"
	"strings"
)

// Redacted replaces secret values in kept deliveries.
const Redacted = "[redacted]"

// credentialWords are the words that, anywhere in a header's name, say it
// may carry a credential: X-Gitlab-Token, X-Api-Key, X-Upstream-Auth,
// X-Session-Id, Stripe-Secret...
var credentialWords = []string{
	"auth", "token", "secret", "password", "passwd", "api-key", "apikey",
	"credential", "session", "cookie",
}

// RedactHeader returns a copy of header in which every header that may
// carry a credential has its values replaced by Redacted: those whose
// name holds one of the credential words, and those named in also (a
// connection's own token header). Signature headers are kept: they prove
// a body, they grant nothing, and they are needed to check it again.
func RedactHeader(header http.Header, also ...string) http.Header {
	out := header.Clone()
	for name, values := range out {
		if !credentialHeader(name, also) {
			continue
		}
		for i := range values {
			values[i] = Redacted
		}
	}
	return out
}

func credentialHeader(name string, also []string) bool {
	for _, a := range also {
		if strings.EqualFold(name, a) {
			return true
		}
	}
	lower := strings.ToLower(name)
	if strings.Contains(lower, "signature") {
		// X-Auth-Signature, X-Authy-Signature: kept, to check again.
		return false
	}
	for _, word := range credentialWords {
		if strings.Contains(lower, word) {
			return true
		}
	}
	return false
}
