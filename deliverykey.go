package connectors

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// DeliveryKey returns the key under which a delivery is deduplicated: the
// key a sender chose (a provider's delivery id, an Idempotency-Key),
// scoped to that sender, so that two senders of one company never answer
// for each other's deliveries. The stores compare keys within a company
// and a source only, and many senders share a source (every Stripe,
// Standard Webhooks and custom connection is "custom").
//
// sender names who chose the key: ConnectionSender or CallerSender. A
// scoped key longer than MaxDeliveryKey keeps a digest of the sender's
// key instead of the key. An empty key stays empty: no deduplication.
func DeliveryKey(sender, key string) string {
	if key == "" {
		return ""
	}
	// The quoted sender ends at its closing quote, so no sender and key
	// can be read as another sender and key.
	scope := strconv.Quote(sender)
	if len(scope)+len(key) <= MaxDeliveryKey {
		return scope + key
	}
	sum := sha256.Sum256([]byte(key))
	return scope + "sha256:" + hex.EncodeToString(sum[:])
}

// ConnectionSender names a connection under /hooks/ as the sender of
// its provider's delivery ids.
func ConnectionSender(connectionID int64) string {
	return "connection:" + strconv.FormatInt(connectionID, 10)
}

// CallerSender names the caller of an ingest API as the sender of an
// idempotency key: the company token it used (nil for the instance
// token) and the source name it gave.
func CallerSender(tok *Token, sourceName string) string {
	caller := "instance"
	if tok != nil {
		caller = "token:" + strconv.FormatInt(tok.ID, 10)
	}
	return caller + "/" + sourceName
}
