package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// Cookie names. The session cookie holds a random value whose hash is the
// session's id; the pre-session cookie carries the CSRF token of the
// sign-in and setup forms, before there is a session to bind it to.
const (
	sessionCookie = "ipai_session"
	preCookie     = "ipai_pre"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// maxFormBytes bounds a form post: the largest is an event's notes.
const maxFormBytes = 1 << 20

// request is what a signed-in handler knows about who is asking.
type request struct {
	user    connectors.User
	session string // the cookie value
	csrf    string
}

type signedInFunc func(w http.ResponseWriter, r *http.Request, rq *request)

// secure sets the headers every admin answer carries: a policy that runs
// no inline script and loads nothing from elsewhere, and no caching, since
// pages hold data only their viewer may see.
func (h *Handler) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; "+
			"script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "+
			"base-uri 'none'; object-src 'none'")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// signedIn runs fn for a signed-in, enabled user. Anyone else is sent to
// the sign-in page, or refused when the request is not a page view. Every
// state-changing request must carry the session's CSRF token.
func (h *Handler) signedIn(fn signedInFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rq, ok := h.session(r)
		if !ok {
			h.notSignedIn(w, r)
			return
		}
		if r.Method == http.MethodPost && !h.csrfOK(w, r, rq.csrf) {
			h.forbidden(w, r, rq, "The form was missing its security token. "+
				"Reload the page and try again.")
			return
		}
		fn(w, r, rq)
	}
}

// acting is signedIn for the actions of managers and admins.
func (h *Handler) acting(fn signedInFunc) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, rq *request) {
		if !rq.user.Role.CanAct() {
			h.forbidden(w, r, rq, "Your role may look but not act.")
			return
		}
		fn(w, r, rq)
	})
}

// admin is signedIn for what only admins may see or do.
func (h *Handler) admin(fn signedInFunc) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, rq *request) {
		if rq.user.Role != connectors.RoleAdmin {
			h.forbidden(w, r, rq, "Only admins may open this page.")
			return
		}
		fn(w, r, rq)
	})
}

func (h *Handler) notSignedIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path == Prefix+"/live" {
		http.Error(w, "Sign in first.", http.StatusUnauthorized)
		return
	}
	// Escaped, so that the page's own query (state=failed&source=github)
	// comes back whole instead of splitting into the login's query.
	next := url.QueryEscape(r.URL.RequestURI())
	http.Redirect(w, r, Prefix+"/login?next="+next, http.StatusSeeOther)
}

// session returns the signed-in user of r, if any.
func (h *Handler) session(r *http.Request) (*request, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	ctx := r.Context()
	se, err := h.store.Session(ctx, digest(c.Value))
	if err != nil {
		if connectors.ErrorCode(err) != connectors.ENOTFOUND {
			h.logger.ErrorContext(ctx, "read session", "error", err.Error())
		}
		return nil, false
	}
	u, err := h.store.User(ctx, se.UserID)
	if err != nil || u.Disabled {
		return nil, false
	}
	return &request{user: u, session: c.Value, csrf: csrfFor(c.Value)}, true
}

// csrfOK reports whether the request carries the expected token, in the
// form or in a header (for scripts).
func (h *Handler) csrfOK(w http.ResponseWriter, r *http.Request, want string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		got = r.PostFormValue(csrfField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// csrfFor derives a session's CSRF token from its cookie value: a page
// of another site can neither read the cookie nor the token.
func csrfFor(session string) string {
	return digest("csrf:" + session)
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func randomToken() string { return rand.Text() }

// startSession signs u in: a new session, its cookie, an audit entry.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request,
	u connectors.User) error {
	value := randomToken()
	at := time.Now().UTC()
	err := h.store.CreateSession(r.Context(), connectors.Session{
		ID: digest(value), UserID: u.ID, CreatedAt: at,
		ExpiresAt: at.Add(h.cfg.SessionTTL),
	})
	if err != nil {
		return err
	}
	h.setCookie(w, r, sessionCookie, value, h.cfg.SessionTTL)
	h.audit(r.Context(), u.Actor(), "user.login", userTarget(u.ID), 0, "")
	return nil
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request,
	name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     Prefix,
		MaxAge:   int(ttl / time.Second),
		HttpOnly: true,
		Secure:   h.cfg.SecureCookies || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		Secure: h.cfg.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

// preToken returns the CSRF token of a form shown before sign-in, setting
// its cookie when there is none yet.
func (h *Handler) preToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) >= 20 {
		return c.Value
	}
	v := randomToken()
	h.setCookie(w, r, preCookie, v, time.Hour)
	return v
}

// preTokenOK checks the CSRF token of a form posted before sign-in.
func (h *Handler) preTokenOK(w http.ResponseWriter, r *http.Request) bool {
	c, err := r.Cookie(preCookie)
	if err != nil || c.Value == "" {
		return false
	}
	return h.csrfOK(w, r, c.Value)
}

func (h *Handler) hashPassword(pw string) ([]byte, error) {
	cost := h.cfg.BcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	return bcrypt.GenerateFromPassword([]byte(pw), cost)
}

// HashPassword returns the bcrypt hash of a password at the default cost,
// for the commands that create users.
func HashPassword(pw string) ([]byte, error) {
	if err := checkPassword(pw); err != nil {
		return nil, err
	}
	return bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
}

// minPassword is the shortest password accepted.
const minPassword = 10

func checkPassword(pw string) error {
	if len(pw) < minPassword {
		return connectors.Errorf(connectors.EINVALID,
			"a password needs at least %d characters", minPassword)
	}
	if len(pw) > 72 {
		// bcrypt reads only the first 72 bytes: a longer password
		// would seem stronger than it is.
		return connectors.Errorf(connectors.EINVALID,
			"a password has at most 72 bytes")
	}
	return nil
}

// safeNext returns where to go after signing in: a path of the interface,
// never another site.
func safeNext(next string) string {
	p, _, _ := strings.Cut(next, "?")
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") ||
		!strings.HasPrefix(path.Clean(p)+"/", Prefix+"/") {
		return Prefix + "/"
	}
	return next
}

func (h *Handler) audit(ctx context.Context, actor connectors.Actor,
	action, target string, company int64, detail string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := h.store.RecordAudit(ctx, connectors.AuditEntry{
		Actor: actor, Action: action, Target: target,
		CompanyID: company, Detail: detail,
	})
	if err != nil {
		h.logger.ErrorContext(ctx, "record audit", "action", action, "error", err.Error())
	}
}
