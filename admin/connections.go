package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
	"github.com/ipai-ai/ipai-connectors/verify"
)

// Limits of the connection forms.
const (
	// defaultOverlap is how long a rotated-out secret stays valid when
	// the form leaves it blank: a day, to update the sender at leisure.
	defaultOverlap = 24 * time.Hour
	// maxOverlap bounds it: an old secret valid for months would make
	// the rotation pointless.
	maxOverlap = 30 * 24 * time.Hour
	// maxBodyLimit is the largest body limit a connection may have, the
	// hub's own ceiling.
	maxBodyLimit = 1 << 30
	// maxSecret bounds a given signing secret; providers' are far shorter.
	maxSecret = 4096
)

// connectionRow is a connection as the list shows it: its secret's hint,
// never the secret.
type connectionRow struct {
	connectors.Connection
	Company string
	// Overlap is when the previous secret stops being accepted, while
	// it still is; zero otherwise.
	Overlap time.Time
}

// shownSecret is a signing secret on the one answer that shows it: the
// answer to the creation or rotation that made it.
type shownSecret struct {
	Heading  string
	ID       int64
	HookPath string
	// Secret is the secret the hub made; "" when the operator gave it,
	// who has it already: then only Hint is shown.
	Secret        string
	Hint          string
	PreviousUntil time.Time // a rotation's overlap; zero: none
}

type connectionsData struct {
	Rows      []connectionRow
	Companies []connectors.Company
	Providers []connectors.Provider
	CanAct    bool
	// NoKey: the hub has no secret key, so it can seal no secret, and
	// neither creation nor rotation is offered.
	NoKey bool
	Shown *shownSecret
	Error string
}

func (connectionsData) title() (string, string) { return "Connections", "connections" }

func (h *Handler) connectionsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.renderConnections(w, r, rq, http.StatusOK, connectionsData{})
}

func (h *Handler) renderConnections(w http.ResponseWriter, r *http.Request,
	rq *request, status int, d connectionsData) {
	companies, names, err := h.companies(r, rq.user)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	list, err := h.store.Connections(r.Context(), rq.user.Companies())
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	now := time.Now()
	for _, c := range list {
		row := connectionRow{Connection: c, Company: names[c.CompanyID]}
		if c.PreviousValid(now) {
			row.Overlap = c.PreviousUntil
		}
		d.Rows = append(d.Rows, row)
	}
	d.Companies, d.Providers = companies, connectors.Providers
	d.CanAct, d.NoKey = rq.user.Role.CanAct(), h.cfg.Box == nil
	h.render(w, r, status, "connections", rq, "", d)
}

// noKey is the refusal to create or rotate without a secret key.
const noKey = "The hub has no secret key to seal signing secrets with."

func (h *Handler) connectionCreate(w http.ResponseWriter, r *http.Request, rq *request) {
	refuse := func(msg string) {
		h.renderConnections(w, r, rq, http.StatusBadRequest,
			connectionsData{Error: msg})
	}
	if h.cfg.Box == nil {
		refuse(noKey)
		return
	}
	c, msg := readConnection(r, rq.user)
	if msg != "" {
		refuse(msg)
		return
	}
	secret, generated, msg := formSecret(c.Provider, r.PostFormValue("secret"))
	if msg != "" {
		refuse(msg)
		return
	}

	c.Slug = connectors.GenerateSlug()
	c.SealedSecret = h.cfg.Box.Seal(c.Slug, secret)
	c.SecretHint, c.Enabled = connectors.SecretHint(secret), true
	c, err := h.store.CreateConnection(r.Context(), c)
	switch connectors.ErrorCode(err) {
	case "":
	case connectors.EINVALID, connectors.ENOTFOUND:
		refuse(connectors.ErrorMessage(err) + ".")
		return
	default:
		h.fail(w, r, rq, err)
		return
	}

	h.audit(r.Context(), rq.user.Actor(), "connection.create",
		connectionTarget(c.ID), c.CompanyID, "provider: "+string(c.Provider))
	h.renderConnections(w, r, rq, http.StatusCreated, connectionsData{
		Shown: shown("New connection", c, secret, generated)})
}

// readConnection reads the creation form but for the secret; msg says
// what is wrong with it.
func readConnection(r *http.Request, u connectors.User) (
	c connectors.Connection, msg string) {
	company, err := strconv.ParseInt(r.PostFormValue("company"), 10, 64)
	if err != nil || !u.Sees(company) {
		return c, "Choose one of your companies."
	}
	p := connectors.Provider(r.PostFormValue("provider"))
	if !p.Valid() {
		return c, "Choose a provider."
	}
	c = connectors.Connection{CompanyID: company, Provider: p,
		Name: strings.TrimSpace(r.PostFormValue("name"))}
	if p == connectors.ProviderCustom {
		if c.Scheme, msg = formScheme(r); msg != "" {
			return c, msg
		}
	}
	c.MaxBodyBytes, msg = formBodyLimit(r.PostFormValue("max_body_bytes"))
	return c, msg
}

// formScheme reads a custom connection's scheme: a header that carries
// the secret, or an HMAC of the body whose form verify checks.
func formScheme(r *http.Request) (connectors.CustomScheme, string) {
	s := connectors.CustomScheme{Kind: r.PostFormValue("scheme"),
		Header: strings.TrimSpace(r.PostFormValue("header"))}
	if s.Header == "" {
		return s, "A custom connection needs the header its signature comes in."
	}
	switch s.Kind {
	case connectors.SchemeToken:
		return s, ""
	case connectors.SchemeHMAC:
		s.Algorithm = r.PostFormValue("algorithm")
		s.Encoding = r.PostFormValue("encoding")
		s.Prefix = r.PostFormValue("prefix")
		err := verify.HMACScheme{Header: s.Header,
			Algorithm: verify.Algorithm(s.Algorithm),
			Encoding:  verify.Encoding(s.Encoding), Prefix: s.Prefix}.Check()
		if err != nil {
			return s, "The HMAC scheme is not usable: " + err.Error() + "."
		}
		return s, ""
	}
	return s, "A custom connection needs a token or HMAC scheme."
}

// formBodyLimit reads a body limit in bytes; blank is 0, the hub's own.
func formBodyLimit(s string) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ""
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxBodyLimit {
		return 0, fmt.Sprintf("The body limit is a number of bytes from "+
			"0 (the hub's limit) to %d.", maxBodyLimit)
	}
	return n, ""
}

// formSecret returns the secret the operator gave, or a generated one
// where the hub may choose it: Slack and Stripe make their own.
func formSecret(p connectors.Provider, given string) (
	connectors.Secret, bool, string) {
	given = strings.TrimSpace(given)
	switch {
	case given == "" && (p == connectors.ProviderSlack ||
		p == connectors.ProviderStripe):
		return "", false, fmt.Sprintf("%s makes its own signing secret: "+
			"paste it in the secret field.", p)
	case given == "":
		return connectors.GenerateSecret(p), true, ""
	case len(given) > maxSecret:
		return "", false, fmt.Sprintf("A signing secret has at most %d "+
			"characters.", maxSecret)
	}
	if p == connectors.ProviderStandard {
		if _, err := verify.StandardSecret(given); err != nil {
			return "", false, "A Standard Webhooks secret is whsec_ " +
				"followed by base64."
		}
	}
	return connectors.Secret(given), false, ""
}

func shown(heading string, c connectors.Connection, secret connectors.Secret,
	generated bool) *shownSecret {
	s := &shownSecret{Heading: heading, ID: c.ID, HookPath: c.HookPath(),
		Hint: c.SecretHint}
	if generated {
		s.Secret = secret.Reveal()
	}
	if c.PreviousValid(time.Now()) {
		s.PreviousUntil = c.PreviousUntil
	}
	return s
}

func (h *Handler) connectionRotate(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.ownConnection(w, r, rq)
	if !ok {
		return
	}
	refuse := func(msg string) {
		h.renderConnections(w, r, rq, http.StatusBadRequest,
			connectionsData{Error: msg})
	}
	if h.cfg.Box == nil {
		refuse(noKey)
		return
	}
	overlap, msg := formOverlap(r.PostFormValue("overlap"))
	if msg != "" {
		refuse(msg)
		return
	}
	secret, generated, msg := formSecret(c.Provider, r.PostFormValue("secret"))
	if msg != "" {
		refuse(msg)
		return
	}

	rot := connectors.Rotation{ConnectionID: c.ID,
		SealedSecret: h.cfg.Box.Seal(c.Slug, secret),
		SecretHint:   connectors.SecretHint(secret)}
	if overlap > 0 {
		rot.PreviousUntil = time.Now().UTC().Add(overlap)
	}
	c, err := h.store.RotateConnection(r.Context(), rot)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}

	h.audit(r.Context(), rq.user.Actor(), "connection.rotate",
		connectionTarget(c.ID), c.CompanyID, "overlap: "+overlap.String())
	h.renderConnections(w, r, rq, http.StatusOK, connectionsData{
		Shown: shown("New secret", c, secret, generated)})
}

// formOverlap reads how long a rotated-out secret stays valid: a Go
// duration such as 24h or 90m, blank for the default, 0 to end it now.
func formOverlap(s string) (time.Duration, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return defaultOverlap, ""
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxOverlap {
		return 0, "The overlap is a duration such as 24h or 90m, from 0 " +
			"(the old secret ends at once) to 720h."
	}
	return d, ""
}

func (h *Handler) connectionDisable(w http.ResponseWriter, r *http.Request, rq *request) {
	h.setConnectionEnabled(w, r, rq, false)
}

func (h *Handler) connectionEnable(w http.ResponseWriter, r *http.Request, rq *request) {
	h.setConnectionEnabled(w, r, rq, true)
}

func (h *Handler) setConnectionEnabled(w http.ResponseWriter, r *http.Request,
	rq *request, on bool) {
	c, ok := h.ownConnection(w, r, rq)
	if !ok {
		return
	}
	if err := h.store.SetConnectionEnabled(r.Context(), c.ID, on); err != nil {
		h.fail(w, r, rq, err)
		return
	}
	action := "connection.disable"
	if on {
		action = "connection.enable"
	}
	h.audit(r.Context(), rq.user.Actor(), action, connectionTarget(c.ID),
		c.CompanyID, "")
	http.Redirect(w, r, Prefix+"/connections", http.StatusSeeOther)
}

// ownConnection returns the connection the path names when the user sees
// its company. Another company's connection is not found, as if it did
// not exist, so that ids do not tell what others have.
func (h *Handler) ownConnection(w http.ResponseWriter, r *http.Request,
	rq *request) (connectors.Connection, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := h.store.Connection(r.Context(), id)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND ||
		(err == nil && !rq.user.Sees(c.CompanyID)) {
		h.notFound(w, r, rq, "No such connection.")
		return c, false
	}
	if err != nil {
		h.fail(w, r, rq, err)
		return c, false
	}
	return c, true
}

func connectionTarget(id int64) string { return fmt.Sprintf("connection:%d", id) }
