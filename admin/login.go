package admin

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

// Failed sign-ins from one address are limited to loginBurst within
// loginWindow. They are counted from the rejections the store keeps, so
// that the limit holds across restarts and across hub instances, and
// reserved in this process before the password is checked, so that it
// holds for attempts made in parallel too. Attempts at one e-mail are
// limited to emailBurst, from any address, against guessing from many
// addresses; but an address with no failure of its own may still try an
// e-mail that is limited, so that guessers elsewhere cannot lock its
// owner out.
const (
	loginBurst   = 5
	emailBurst   = 10
	loginWindow  = 15 * time.Minute
	maxLoginKeys = 10000 // addresses, and e-mails, counted at most

	// maxEmailKey bounds the e-mail kept as a key: no address is longer.
	maxEmailKey = 320
)

// dummyHash is compared against when the e-mail is unknown, so that an
// unknown address takes as long to refuse as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)

type loginData struct {
	Email string
	Next  string
	Error string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.session(r); ok {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	if path, _ := h.SetupPath(r.Context()); path != "" {
		h.render(w, r, http.StatusOK, "message", nil, h.preToken(w, r), message{
			Title: "First run",
			Text: "No user exists yet. Open the setup link that the server " +
				"printed when it started to create the first admin.",
		})
		return
	}
	h.render(w, r, http.StatusOK, "login", nil, h.preToken(w, r),
		loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.preTokenOK(w, r) {
		h.forbidden(w, r, nil, "The form was missing its security token. "+
			"Reload the page and try again.")
		return
	}
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	data := loginData{Email: email, Next: safeNext(r.PostFormValue("next"))}

	addr, now := requestlog.RemoteAddr(ctx), h.cfg.Now()
	limited, err := h.loginLimited(ctx, addr, now)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	var giveBack func()
	if !limited {
		giveBack, limited = h.reserveLogin(addr, email, now)
	}
	if limited {
		h.reject(r, connectors.CauseRateLimited, "too many failed sign-ins")
		data.Error = "Too many failed sign-ins from your address. Try again later."
		h.render(w, r, http.StatusTooManyRequests, "login", nil, h.preToken(w, r), data)
		return
	}

	u, ok, err := h.checkLogin(ctx, email, r.PostFormValue("password"))
	if err != nil {
		giveBack() // the store failed, not the password
		h.fail(w, r, nil, err)
		return
	}
	if !ok {
		// The reserved attempt stays: it is a failure now.
		h.reject(r, connectors.CauseFailedLogin, "wrong e-mail or password")
		data.Error = "Wrong e-mail or password."
		h.render(w, r, http.StatusUnauthorized, "login", nil, h.preToken(w, r), data)
		return
	}
	giveBack()
	if err := h.startSession(w, r, u); err != nil {
		h.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// checkLogin reports whether the password is the user's, and the user
// enabled. The e-mail is never told apart from the password.
func (h *Handler) checkLogin(ctx context.Context, email, password string) (
	connectors.User, bool, error) {
	u, hash, err := h.store.UserPassword(ctx, email)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return u, false, nil
	}
	if err != nil {
		return u, false, err
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u.Disabled {
		return u, false, nil
	}
	return u, true, nil
}

// loginLimited reports whether the store holds loginBurst failed
// sign-ins from addr within the window, from any hub instance.
func (h *Handler) loginLimited(ctx context.Context, addr string,
	now time.Time) (bool, error) {
	failed, err := h.store.Rejections(ctx, connectors.RejectionFilter{
		Cause: connectors.CauseFailedLogin, RemoteAddr: addr,
		Since: now.Add(-loginWindow), Limit: loginBurst,
	})
	return len(failed) >= loginBurst, err
}

// reserveLogin counts an attempt at email from addr before its password
// is checked, and returns the function that gives it back if it turns
// out not to be a failure; or reports limited, counting nothing, when
// either has no attempt left in the window.
func (h *Handler) reserveLogin(addr, email string, now time.Time) (
	giveBack func(), limited bool) {
	key := strings.ToLower(email)
	if len(key) > maxEmailKey {
		key = key[:maxEmailKey]
	}
	if !h.byAddr.reserve(addr, now) {
		return nil, true
	}
	if !h.byEmail.reserve(key, now) {
		if h.byAddr.count(addr, now) > 1 {
			h.byAddr.cancel(addr, now)
			return nil, true
		}
		// The only attempt from addr is this one: the owner, most
		// likely, from a clean place. The address limit still holds.
		return func() { h.byAddr.cancel(addr, now) }, false
	}
	return func() {
		h.byAddr.cancel(addr, now)
		h.byEmail.cancel(key, now)
	}, false
}

// reject records a refused sign-in with the hub's rejected requests.
func (h *Handler) reject(r *http.Request, cause connectors.Cause, detail string) {
	ctx := r.Context()
	rej := connectors.Rejection{
		At: h.cfg.Now().UTC(), RemoteAddr: requestlog.RemoteAddr(ctx),
		Path: r.URL.Path, Cause: cause, Detail: detail,
		RequestID: requestlog.ID(ctx),
	}
	h.logger.WarnContext(ctx, "sign-in refused", "cause", string(cause),
		"remote_addr", rej.RemoteAddr, "request_id", rej.RequestID)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := h.store.RecordRejection(ctx, rej); err != nil {
		h.logger.ErrorContext(ctx, "record rejection", "error", err.Error())
	}
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, rq *request) {
	if err := h.store.DeleteSession(r.Context(), digest(rq.session)); err != nil {
		h.fail(w, r, rq, err)
		return
	}
	h.clearCookie(w, r, sessionCookie)
	h.audit(r.Context(), rq.user.Actor(), "user.logout", userTarget(rq.user.ID), 0, "")
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

type setupData struct {
	Email string
	Error string
}

// setupOK reports whether token is the setup token in force.
func (h *Handler) setupOK(r *http.Request) bool {
	path, err := h.SetupPath(r.Context())
	if err != nil || path == "" {
		return false
	}
	want := strings.TrimPrefix(path, Prefix+"/setup/")
	got := r.PathValue("token")
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *Handler) setupPage(w http.ResponseWriter, r *http.Request) {
	if !h.setupOK(r) {
		h.notFound(w, r, nil, "This setup link is not valid, or was used already.")
		return
	}
	h.render(w, r, http.StatusOK, "setup", nil, h.preToken(w, r), setupData{})
}

func (h *Handler) setupSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.preTokenOK(w, r) {
		h.forbidden(w, r, nil, "The form was missing its security token.")
		return
	}
	if !h.setupOK(r) {
		h.notFound(w, r, nil, "This setup link is not valid, or was used already.")
		return
	}
	data := setupData{Email: strings.TrimSpace(r.PostFormValue("email"))}
	pw := r.PostFormValue("password")
	if err := checkPassword(pw); err != nil {
		data.Error = connectors.ErrorMessage(err) + "."
		h.render(w, r, http.StatusBadRequest, "setup", nil, h.preToken(w, r), data)
		return
	}
	hash, err := h.hashPassword(pw)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	u, err := h.store.CreateFirstUser(r.Context(), connectors.NewUser{
		Email: data.Email, Role: connectors.RoleAdmin, PasswordHash: hash,
	})
	if code := connectors.ErrorCode(err); code == connectors.EINVALID {
		data.Error = connectors.ErrorMessage(err) + "."
		h.render(w, r, http.StatusBadRequest, "setup", nil, h.preToken(w, r), data)
		return
	}
	if code := connectors.ErrorCode(err); code == connectors.ECONFLICT {
		// Another instance's setup link, or a second submission, made
		// the first admin while this one was being filled in.
		h.mu.Lock()
		h.setup = ""
		h.mu.Unlock()
		h.notFound(w, r, nil, "This setup link is not valid, or was used already.")
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.mu.Lock()
	h.setup = ""
	h.mu.Unlock()
	h.audit(r.Context(), u.Actor(), "user.setup", userTarget(u.ID), 0, "first admin")
	if err := h.startSession(w, r, u); err != nil {
		h.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}
