package connectors

import (
	"net/http"
	"reflect"
	"testing"
)

func TestRedactHeader_HidesCredentialsKeepsSignatures(t *testing.T) {
	t.Parallel()
	in := http.Header{
		"Authorization":       {"Bearer abc"},
		"Proxy-Authorization": {"Basic xyz"},
		"Cookie":              {"s=1"},
		"X-Upstream-Auth":     {"Basic dXNlcjpwYXNz"},
		"X-Api-Key":           {"k1"},
		"X-Gitlab-Token":      {"t1"},
		"X-Session-Id":        {"sess"},
		"X-Client-Credential": {"c"},
		"X-Shop-Pin":          {"1234"},
		"X-Hub-Signature-256": {"sha256=00"},
		"X-Auth-Signature":    {"v1=00"},
		"Idempotency-Key":     {"run-1"},
		"Content-Type":        {"application/json"},
	}
	got := RedactHeader(in, "X-Shop-Pin")
	want := http.Header{
		"Authorization":       {Redacted},
		"Proxy-Authorization": {Redacted},
		"Cookie":              {Redacted},
		"X-Upstream-Auth":     {Redacted},
		"X-Api-Key":           {Redacted},
		"X-Gitlab-Token":      {Redacted},
		"X-Session-Id":        {Redacted},
		"X-Client-Credential": {Redacted},
		"X-Shop-Pin":          {Redacted},
		"X-Hub-Signature-256": {"sha256=00"},
		"X-Auth-Signature":    {"v1=00"},
		"Idempotency-Key":     {"run-1"},
		"Content-Type":        {"application/json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redacted:\n got %v\nwant %v", got, want)
	}
	if in.Get("Authorization") != "Bearer abc" {
		t.Error("the header given was changed, want a copy changed")
	}
}
