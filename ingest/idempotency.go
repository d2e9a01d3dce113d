package ingest

import (
	"encoding/json"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// maxIdempotencyKey bounds an idempotency key, as the stores do.
const maxIdempotencyKey = 255

// idempotencyKey returns the key that makes a repeated call answer the
// event of the first: params.idempotency_key, or else the
// Idempotency-Key header. None is "": every call stores an event.
func idempotencyKey(raw json.RawMessage, header string) (string, *refused) {
	key := header
	if !isNull(raw) {
		s, ok := jsonString(raw)
		if !ok {
			return "", &refused{"Invalid 'idempotency_key' parameter: " +
				"must be a string", connectors.CauseInvalidParams,
				"idempotency_key is not a string"}
		}
		key = s
	}
	if len(key) > maxIdempotencyKey {
		return "", &refused{"Invalid 'idempotency_key' parameter: longer " +
			"than 255 bytes", connectors.CauseInvalidParams,
			"idempotency_key is too long"}
	}
	return key, nil
}
