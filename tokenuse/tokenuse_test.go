package tokenuse

import (
	"context"
	"path/filepath"
	"testing"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/sqlite"
)

func TestRecorder_WritesOnceAMinutePerToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	_, hash := connectors.GenerateToken()
	tok, err := s.CreateToken(ctx, connectors.NewToken{CompanyID: 1, Hash: hash})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}

	r := New(s, nil)
	r.Touch(ctx, nil) // the instance token: nothing to write
	r.Touch(ctx, &tok)
	first, err := s.Token(ctx, tok.ID)
	if err != nil || first.LastUsedAt.IsZero() {
		t.Fatalf("after the first use: got %+v, %v; want a last use", first, err)
	}
	r.Touch(ctx, &tok)
	again, _ := s.Token(ctx, tok.ID)
	if !again.LastUsedAt.Equal(first.LastUsedAt) {
		t.Errorf("a second use within a minute: last use %v, want still %v",
			again.LastUsedAt, first.LastUsedAt)
	}
}
