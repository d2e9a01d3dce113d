package storetest

import (
	"slices"
	"testing"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// hash is a stand-in password hash: the store keeps whatever bytes the
// caller hashed.
var hash = []byte("$2a$10$abcdefghijklmnopqrstuv")

func createUser(t *testing.T, s connectors.Store, email string,
	role connectors.Role, companies ...int64) connectors.User {
	t.Helper()
	u, err := s.CreateUser(ctx(t), connectors.NewUser{
		Email: email, Role: role, CompanyIDs: companies, PasswordHash: hash,
	})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func testUsers(t *testing.T, s connectors.Store) {
	acme, err := s.CreateCompany(ctx(t), "Acme")
	if err != nil {
		t.Fatalf("CreateCompany: %v", err)
	}
	u := createUser(t, s, " Ann@Example.com ", connectors.RoleManager, 1, acme.ID)
	if u.Email != "ann@example.com" || u.Role != connectors.RoleManager ||
		!slices.Equal(u.CompanyIDs, []int64{1, acme.ID}) || u.ID == 0 {
		t.Errorf("created: got %+v, want ann@example.com, manager, [1 %d]", u, acme.ID)
	}

	got, err := s.User(ctx(t), u.ID)
	if err != nil {
		t.Fatalf("User: %v", err)
	}
	if got.Email != u.Email || !slices.Equal(got.CompanyIDs, u.CompanyIDs) ||
		got.Disabled || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("User(%d): got %+v, want %+v", u.ID, got, u)
	}
	byMail, gotHash, err := s.UserPassword(ctx(t), "ANN@example.com")
	if err != nil || byMail.ID != u.ID || string(gotHash) != string(hash) {
		t.Errorf("UserPassword: got %+v, %q, %v; want user %d and the hash",
			byMail, gotHash, err, u.ID)
	}

	_, err = s.CreateUser(ctx(t), connectors.NewUser{
		Email: "ann@example.com", Role: "viewer", PasswordHash: hash})
	wantCode(t, err, connectors.ECONFLICT)
	_, err = s.CreateUser(ctx(t), connectors.NewUser{
		Email: "bob@example.com", Role: "viewer", CompanyIDs: []int64{99},
		PasswordHash: hash})
	wantCode(t, err, connectors.ENOTFOUND)
	_, err = s.CreateUser(ctx(t), connectors.NewUser{
		Email: "bob@example.com", Role: "owner", PasswordHash: hash})
	wantCode(t, err, connectors.EINVALID)
	_, _, err = s.UserPassword(ctx(t), "nobody@example.com")
	wantCode(t, err, connectors.ENOTFOUND)

	viewer := createUser(t, s, "vic@example.com", connectors.RoleViewer)
	list, err := s.Users(ctx(t))
	if err != nil || len(list) != 2 || list[0].ID != u.ID || list[1].ID != viewer.ID {
		t.Errorf("Users: got %+v, %v; want ann then vic", list, err)
	}
	if len(list) == 2 && (list[1].CompanyIDs == nil || len(list[1].CompanyIDs) != 0) {
		t.Errorf("companies of a user with none: got %#v, want []int64{}", list[1].CompanyIDs)
	}
	n, err := s.CountUsers(ctx(t))
	if err != nil || n != 2 {
		t.Errorf("CountUsers: got %d, %v; want 2", n, err)
	}
}

func testFirstUserOnce(t *testing.T, s connectors.Store) {
	first := connectors.NewUser{Email: "root@example.com", Role: "admin", PasswordHash: hash}
	if _, err := s.CreateFirstUser(ctx(t), first); err != nil {
		t.Fatalf("first CreateFirstUser: %v", err)
	}
	first.Email = "second@example.com"
	_, err := s.CreateFirstUser(ctx(t), first)
	wantCode(t, err, connectors.ECONFLICT)
	if n, _ := s.CountUsers(ctx(t)); n != 1 {
		t.Errorf("users after a second setup: got %d, want 1", n)
	}
}

func testSessions(t *testing.T, s connectors.Store) {
	u := createUser(t, s, "ann@example.com", connectors.RoleViewer)
	at := time.Now().UTC().Truncate(time.Microsecond)
	live := connectors.Session{ID: "live", UserID: u.ID, CreatedAt: at,
		ExpiresAt: at.Add(time.Hour)}
	old := connectors.Session{ID: "old", UserID: u.ID, CreatedAt: at.Add(-2 * time.Hour),
		ExpiresAt: at.Add(-time.Hour)}
	for _, se := range []connectors.Session{old, live} {
		if err := s.CreateSession(ctx(t), se); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	got, err := s.Session(ctx(t), "live")
	if err != nil || got != live {
		t.Errorf("Session: got %+v, %v; want %+v", got, err, live)
	}
	_, err = s.Session(ctx(t), "old")
	wantCode(t, err, connectors.ENOTFOUND)

	if err := s.DeleteSession(ctx(t), "live"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = s.Session(ctx(t), "live")
	wantCode(t, err, connectors.ENOTFOUND)

	again := live
	again.ID = "again"
	if err := s.CreateSession(ctx(t), again); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.SetUserDisabled(ctx(t), u.ID, true); err != nil {
		t.Fatalf("SetUserDisabled: %v", err)
	}
	_, err = s.Session(ctx(t), "again")
	wantCode(t, err, connectors.ENOTFOUND)
	if got, _ := s.User(ctx(t), u.ID); !got.Disabled {
		t.Errorf("disabled: got false, want true")
	}
	wantCode(t, s.SetUserDisabled(ctx(t), 999, true), connectors.ENOTFOUND)
}

func testTokens(t *testing.T, s connectors.Store) {
	_, h := connectors.GenerateToken()
	tok, err := s.CreateToken(ctx(t), connectors.NewToken{
		CompanyID: 1, Name: " deploys ", Hash: h,
		Sources: []connectors.Source{"github", "slack"},
	})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if tok.Name != "deploys" || tok.Hash != h || tok.CompanyID != 1 ||
		!slices.Equal(tok.Sources, []connectors.Source{"github", "slack"}) {
		t.Errorf("created: got %+v", tok)
	}
	got, err := s.TokenByHash(ctx(t), h)
	if err != nil || got.ID != tok.ID || !got.LastUsedAt.IsZero() ||
		!slices.Equal(got.Sources, tok.Sources) {
		t.Errorf("TokenByHash: got %+v, %v; want %+v", got, err, tok)
	}

	used := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	if err := s.TouchToken(ctx(t), tok.ID, used); err != nil {
		t.Fatalf("TouchToken: %v", err)
	}
	if err := s.TouchToken(ctx(t), tok.ID, used.Add(-time.Hour)); err != nil {
		t.Fatalf("TouchToken: %v", err)
	}
	got, _ = s.Token(ctx(t), tok.ID)
	if !got.LastUsedAt.Equal(used) {
		t.Errorf("last used: got %v, want %v (never moved back)", got.LastUsedAt, used)
	}

	if err := s.RevokeToken(ctx(t), tok.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err = s.TokenByHash(ctx(t), h)
	wantCode(t, err, connectors.ENOTFOUND)
	got, _ = s.Token(ctx(t), tok.ID)
	if !got.Revoked() {
		t.Errorf("revoked: got %+v, want a revoked_at", got)
	}
	wantCode(t, s.RevokeToken(ctx(t), 999), connectors.ENOTFOUND)

	unheld := h[:63] + "0"
	if unheld == h {
		unheld = h[:63] + "1"
	}
	_, err = s.CreateToken(ctx(t), connectors.NewToken{CompanyID: 42, Hash: unheld})
	wantCode(t, err, connectors.ENOTFOUND)
	_, err = s.CreateToken(ctx(t), connectors.NewToken{CompanyID: 1, Hash: h})
	wantCode(t, err, connectors.ECONFLICT)

	acme, _ := s.CreateCompany(ctx(t), "Acme")
	_, h2 := connectors.GenerateToken()
	other, _ := s.CreateToken(ctx(t), connectors.NewToken{CompanyID: acme.ID, Hash: h2})
	all, _ := s.Tokens(ctx(t), nil)
	mine, _ := s.Tokens(ctx(t), []int64{acme.ID})
	none, _ := s.Tokens(ctx(t), []int64{})
	if len(all) != 2 || all[0].ID != other.ID || len(mine) != 1 ||
		mine[0].ID != other.ID || len(none) != 0 {
		t.Errorf("Tokens: got all %d, acme %d, none %d; want 2, 1, 0",
			len(all), len(mine), len(none))
	}
}

func testAudit(t *testing.T, s connectors.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	first := connectors.AuditEntry{At: at, Actor: "user:ann@example.com",
		Action: "event.retry", Target: "event:7", CompanyID: 1, Detail: "from failed"}
	second := connectors.AuditEntry{At: at, Actor: "user:ann@example.com",
		Action: "user.create", Target: "user:2"}
	for _, e := range []connectors.AuditEntry{first, second} {
		if err := s.RecordAudit(ctx(t), e); err != nil {
			t.Fatalf("RecordAudit: %v", err)
		}
	}
	all, err := s.AuditLog(ctx(t), connectors.AuditFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("AuditLog: got %d, %v; want 2", len(all), err)
	}
	got := all[1]
	got.ID = 0
	if got != first {
		t.Errorf("oldest entry:\n got %+v\nwant %+v", got, first)
	}
	mine, _ := s.AuditLog(ctx(t), connectors.AuditFilter{CompanyIDs: []int64{1}})
	if len(mine) != 1 || mine[0].Action != "event.retry" {
		t.Errorf("company 1: got %+v, want the retry only", mine)
	}
	wantCode(t, s.RecordAudit(ctx(t), connectors.AuditEntry{Action: "x"}),
		connectors.EINVALID)
}

func testNotes(t *testing.T, s connectors.Store) {
	id := create(t, s, newEvent("n1"))
	ev, err := s.SetNotes(ctx(t), id, "first look", "user:ann")
	if err != nil || ev.Notes != "first look" {
		t.Fatalf("SetNotes: got %q, %v; want first look", ev.Notes, err)
	}
	if _, err := s.SetNotes(ctx(t), id, "", "user:bob"); err != nil {
		t.Fatalf("SetNotes: %v", err)
	}
	edits, err := s.NoteEdits(ctx(t), id)
	if err != nil || len(edits) != 2 {
		t.Fatalf("NoteEdits: got %d, %v; want 2", len(edits), err)
	}
	if edits[0].Notes != "first look" || edits[0].Actor != "user:ann" ||
		edits[1].Notes != "" || edits[1].Actor != "user:bob" {
		t.Errorf("edits: got %+v", edits)
	}
	h, _ := s.History(ctx(t), id)
	if len(h) != 1 {
		t.Errorf("state history after notes: got %d rows, want 1", len(h))
	}
	_, err = s.SetNotes(ctx(t), 999, "x", "user:ann")
	wantCode(t, err, connectors.ENOTFOUND)
}

func testSearch(t *testing.T, s connectors.Store) {
	mk := func(typ, ref, payload string) int64 {
		e := newEvent(ref)
		e.EventType, e.Payload = typ, []byte(payload)
		return create(t, s, e)
	}
	a := mk("invoice.paid", "inv_100", `{"customer":"Zebra Corp","amount":12}`)
	b := mk("push", "main", `{"message":"fix zebra stripes"}`)
	c := mk("push", "dev", `{"message":"<script>alert(1)</script>"}`)
	_ = mk("ping", "", `{}`)

	for search, want := range map[string][]int64{
		"zebra":          {b, a},
		"ZEBRA corp":     {a},
		"invoice.paid":   {a},
		"inv_100":        {a},
		"push":           {c, b},
		"script":         {c},
		`"unbalanced`:    nil,
		"nothing-here":   nil,
		"stripes OR foo": nil, // words, never query syntax
	} {
		got := found(t, s, connectors.EventFilter{Search: search})
		if !slices.Equal(got, want) {
			t.Errorf("search %q: got %v, want %v", search, got, want)
		}
	}
	got := found(t, s, connectors.EventFilter{Search: "push", BeforeID: c})
	if !slices.Equal(got, []int64{b}) {
		t.Errorf("search push before %d: got %v, want [%d]", c, got, b)
	}
	got = found(t, s, connectors.EventFilter{Search: "push", Ref: "dev"})
	if !slices.Equal(got, []int64{c}) {
		t.Errorf("search push ref dev: got %v, want [%d]", got, c)
	}
}

func found(t *testing.T, s connectors.Store, f connectors.EventFilter) []int64 {
	t.Helper()
	list, err := s.Events(ctx(t), f)
	if err != nil {
		t.Fatalf("Events(%+v): %v", f, err)
	}
	return ids(list)
}

func testCounts(t *testing.T, s connectors.Store) {
	acme, _ := s.CreateCompany(ctx(t), "Acme")
	for i, src := range []connectors.Source{"github", "github", "slack", "n8n"} {
		e := newEvent("")
		e.Source, e.EventType = src, []string{"push", "push", "message", "done"}[i]
		if i == 3 {
			e.CompanyID = acme.ID
		}
		id := create(t, s, e)
		if i == 0 {
			move(t, s, id, connectors.StateProcessing, "")
			move(t, s, id, connectors.StateFailed, "boom")
		}
	}
	day := time.Now().UTC().Format(time.DateOnly)
	hour := time.Now().UTC().Truncate(time.Hour)
	for _, c := range []struct {
		f    connectors.EventFilter
		by   connectors.GroupBy
		want []connectors.Count
	}{
		{connectors.EventFilter{}, "state",
			[]connectors.Count{cnt("received", 3), cnt("failed", 1)}},
		{connectors.EventFilter{}, "source",
			[]connectors.Count{cnt("github", 2), cnt("n8n", 1), cnt("slack", 1)}},
		{connectors.EventFilter{CompanyIDs: []int64{1}}, "source",
			[]connectors.Count{cnt("github", 2), cnt("slack", 1)}},
		{connectors.EventFilter{State: "received"}, "event_type",
			[]connectors.Count{cnt("done", 1), cnt("message", 1), cnt("push", 1)}},
		{connectors.EventFilter{EventType: "push"}, "state",
			[]connectors.Count{cnt("failed", 1), cnt("received", 1)}},
		{connectors.EventFilter{Since: hour}, "day",
			[]connectors.Count{cnt(day, 4)}},
		{connectors.EventFilter{Until: hour}, "day", nil},
		{connectors.EventFilter{Search: "push"}, "source",
			[]connectors.Count{cnt("github", 2)}},
	} {
		got, err := s.CountEvents(ctx(t), c.f, c.by)
		if err != nil {
			t.Fatalf("CountEvents(%+v, %s): %v", c.f, c.by, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("CountEvents(%+v, %s): got %v, want %v", c.f, c.by, got, c.want)
		}
	}
	_, err := s.CountEvents(ctx(t), connectors.EventFilter{}, "ref")
	wantCode(t, err, connectors.EINVALID)

	series, err := s.EventSeries(ctx(t), connectors.SeriesFilter{
		Since: hour.Add(-time.Hour), Until: hour.Add(time.Hour), Step: time.Hour})
	want := []connectors.Bucket{bucket(hour, "failed", 1), bucket(hour, "received", 3)}
	if err != nil || !slices.Equal(series, want) {
		t.Errorf("EventSeries by hour: got %v, %v; want %v", series, err, want)
	}
	series, _ = s.EventSeries(ctx(t), connectors.SeriesFilter{
		CompanyIDs: []int64{acme.ID}, Step: 24 * time.Hour})
	dayStart, _ := time.Parse(time.DateOnly, day)
	if want := []connectors.Bucket{bucket(dayStart, "received", 1)}; !slices.Equal(series, want) {
		t.Errorf("EventSeries by day: got %v, want %v", series, want)
	}
	_, err = s.EventSeries(ctx(t), connectors.SeriesFilter{Step: time.Minute})
	wantCode(t, err, connectors.EINVALID)
}

func testLastChange(t *testing.T, s connectors.Store) {
	c, err := s.LastChange(ctx(t))
	if err != nil || c != (connectors.Change{}) {
		t.Errorf("LastChange of an empty store: got %+v, %v; want zero", c, err)
	}
	id := create(t, s, newEvent(""))
	c1, _ := s.LastChange(ctx(t))
	ev := move(t, s, id, connectors.StateIgnored, "noise")
	c2, _ := s.LastChange(ctx(t))
	if c1.LastID != id || c2.LastID != id || !c2.UpdatedAt.Equal(ev.UpdatedAt) {
		t.Errorf("LastChange: got %+v then %+v; want id %d, then updated %v",
			c1, c2, id, ev.UpdatedAt)
	}
}

func testRejectionFilters(t *testing.T, s connectors.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, addr := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.1"} {
		err := s.RecordRejection(ctx(t), connectors.Rejection{
			At: at.Add(time.Duration(i) * time.Hour), RemoteAddr: addr,
			Path:  []string{"/admin/login", "/admin/login", "/x"}[i],
			Cause: connectors.CauseFailedLogin, RequestID: string(rune('a' + i)),
		})
		if err != nil {
			t.Fatalf("RecordRejection: %v", err)
		}
	}
	for _, c := range []struct {
		f    connectors.RejectionFilter
		want string
	}{
		{connectors.RejectionFilter{RemoteAddr: "203.0.113.1"}, "ca"},
		{connectors.RejectionFilter{Path: "/admin/login"}, "ba"},
		{connectors.RejectionFilter{Until: at.Add(time.Hour)}, "a"},
		{connectors.RejectionFilter{Since: at.Add(time.Hour), Path: "/x"}, "c"},
	} {
		list, err := s.Rejections(ctx(t), c.f)
		if err != nil {
			t.Fatalf("Rejections: %v", err)
		}
		got := ""
		for _, r := range list {
			got += r.RequestID
		}
		if got != c.want {
			t.Errorf("Rejections(%+v): got %q, want %q", c.f, got, c.want)
		}
	}
}

func testRejectionCounts(t *testing.T, s connectors.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, cause := range []connectors.Cause{
		connectors.CauseWrongToken, connectors.CauseTooLarge,
		connectors.CauseWrongToken, connectors.CauseBadSignature,
		connectors.CauseWrongToken, connectors.CauseTooLarge,
	} {
		err := s.RecordRejection(ctx(t), connectors.Rejection{
			At: at.Add(time.Duration(i) * time.Hour), Cause: cause,
			RemoteAddr: []string{"203.0.113.1", "203.0.113.2"}[i%2],
			Path:       "/hooks/x",
		})
		if err != nil {
			t.Fatalf("RecordRejection: %v", err)
		}
	}
	for _, c := range []struct {
		f    connectors.RejectionFilter
		want []connectors.Count
	}{
		{connectors.RejectionFilter{}, []connectors.Count{
			cnt("wrong_token", 3), cnt("too_large", 2), cnt("bad_signature", 1)}},
		// Ties are ordered by cause; the cursor and limit are ignored.
		{connectors.RejectionFilter{Since: at.Add(time.Hour),
			Until: at.Add(4 * time.Hour), BeforeID: 1, Limit: 1},
			[]connectors.Count{cnt("bad_signature", 1), cnt("too_large", 1),
				cnt("wrong_token", 1)}},
		{connectors.RejectionFilter{RemoteAddr: "203.0.113.2"}, []connectors.Count{
			cnt("too_large", 2), cnt("bad_signature", 1)}},
		{connectors.RejectionFilter{Cause: connectors.CauseWrongToken,
			Path: "/hooks/x"}, []connectors.Count{cnt("wrong_token", 3)}},
		{connectors.RejectionFilter{Cause: connectors.CauseWrongToken,
			Since: at.Add(time.Hour)}, []connectors.Count{cnt("wrong_token", 2)}},
		{connectors.RejectionFilter{Path: "/elsewhere"}, nil},
	} {
		got, err := s.RejectionCounts(ctx(t), c.f)
		if err != nil {
			t.Fatalf("RejectionCounts(%+v): %v", c.f, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("RejectionCounts(%+v): got %v, want %v", c.f, got, c.want)
		}
	}
}

func move(t *testing.T, s connectors.Store, id int64, to connectors.State,
	reason string) connectors.Event {
	t.Helper()
	ev, err := s.MoveEvent(ctx(t), connectors.Move{
		EventID: id, To: to, Actor: tester, Reason: reason})
	if err != nil {
		t.Fatalf("move event %d to %s: %v", id, to, err)
	}
	return ev
}

func cnt(key string, n int64) connectors.Count {
	return connectors.Count{Key: key, N: n}
}

func bucket(start time.Time, state connectors.State, n int64) connectors.Bucket {
	return connectors.Bucket{Start: start, State: state, N: n}
}
