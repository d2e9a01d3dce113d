package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/requestlog"
)

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{
	"login", "setup", "message", "dashboard", "events", "event",
	"rejected", "tokens", "connections", "users", "audit",
}

type pages map[string]*template.Template

var funcs = template.FuncMap{
	"when":      when,
	"ago":       ago,
	"badge":     badge,
	"actorName": actorName,
	"join":      strings.Join,
	"hasID":     hasID,
	"states":    func() []connectors.State { return connectors.States },
}

func parsePages() (pages, error) {
	p := make(pages, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		p[name] = t
	}
	return p, nil
}

// view is what every page gets: who is signed in, the CSRF token of its
// forms, and the page's own data.
type view struct {
	Title string
	User  *connectors.User
	CSRF  string
	Nav   string
	Live  bool // the page refreshes itself when events change
	// Seen is where events stood when a live page was rendered, so
	// that the page knows whether a change it hears of is news.
	Seen string
	Data any
}

// titled lets page data name its title and navigation tab.
type titled interface{ title() (string, string) }

// render writes the named page. It renders into a buffer first, so that a
// failing template yields a clean error page rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int,
	name string, rq *request, csrf string, data any) {
	v := view{CSRF: csrf, Data: data}
	if rq != nil {
		v.User, v.CSRF = &rq.user, rq.csrf
	}
	if t, ok := data.(titled); ok {
		v.Title, v.Nav = t.title()
	}
	if l, ok := data.(interface{ live() bool }); ok && l.live() {
		v.Live = true
		// Without it the page refreshes on the first change it hears.
		if c, err := h.store.LastChange(r.Context()); err == nil {
			v.Seen = seenKey(c)
		}
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.logger.ErrorContext(r.Context(), "render page", "page", name,
			"error", err.Error(), "request_id", requestlog.ID(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// message is a page that only says something.
type message struct {
	Title     string
	Text      string
	RequestID string
}

func (m message) title() (string, string) { return m.Title, "" }

func (h *Handler) say(w http.ResponseWriter, r *http.Request, rq *request,
	status int, title, text string) {
	csrf := ""
	if rq == nil {
		csrf = h.preToken(w, r)
	}
	h.render(w, r, status, "message", rq, csrf, message{Title: title, Text: text})
}

func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request, rq *request, text string) {
	h.say(w, r, rq, http.StatusForbidden, "Forbidden", text)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, rq *request, text string) {
	h.say(w, r, rq, http.StatusNotFound, "Not found", text)
}

func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, rq *request, text string) {
	h.say(w, r, rq, http.StatusBadRequest, "Not done", text)
}

// fail answers a fault of ours: the operator gets the request id to
// quote, the cause goes to the log.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	ctx := r.Context()
	id := requestlog.ID(ctx)
	status := http.StatusInternalServerError
	if connectors.ErrorCode(err) == connectors.EUNAVAILABLE {
		status = http.StatusServiceUnavailable
	}
	h.logger.ErrorContext(ctx, "admin request failed", "error", err.Error(),
		"path", r.URL.Path, "request_id", id)
	h.render(w, r, status, "message", rq, "", message{
		Title: "Something went wrong", RequestID: id,
		Text: "The request could not be completed. Quote the request id below " +
			"to whoever runs the hub.",
	})
}

func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(staticFS, "static")
	// Assets change with the binary only; a short cache is safe.
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.StripPrefix(Prefix+"/static/", http.FileServerFS(sub)).ServeHTTP(w, r)
}

// when formats a time for a table: UTC to the second, "" when unset.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t).Round(time.Second)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// badge is the CSS class of a state's badge; s is a State or its name.
func badge(s any) string { return fmt.Sprint("badge state-", s) }

func actorName(a connectors.Actor) string {
	_, name, found := strings.Cut(string(a), ":")
	if !found {
		return string(a)
	}
	return name + " (" + a.Kind() + ")"
}

func hasID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func userTarget(id int64) string  { return fmt.Sprintf("user:%d", id) }
func eventTarget(id int64) string { return fmt.Sprintf("event:%d", id) }
