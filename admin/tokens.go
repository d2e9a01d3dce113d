package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	connectors "github.com/ipai-ai/ipai-connectors"
)

type tokenRow struct {
	connectors.Token
	Company string
}

type tokensData struct {
	Rows      []tokenRow
	Companies []connectors.Company
	Sources   []connectors.Source
	CanAct    bool
	// Secret is the value of the token just created: shown on this one
	// answer, never stored, never shown again.
	Secret string
	Error  string
}

func (tokensData) title() (string, string) { return "Tokens", "tokens" }

func (h *Handler) tokensPage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.renderTokens(w, r, rq, http.StatusOK, tokensData{})
}

func (h *Handler) renderTokens(w http.ResponseWriter, r *http.Request, rq *request,
	status int, d tokensData) {
	companies, names, err := h.companies(r, rq.user)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	tokens, err := h.store.Tokens(r.Context(), rq.user.Companies())
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	for _, t := range tokens {
		d.Rows = append(d.Rows, tokenRow{Token: t, Company: names[t.CompanyID]})
	}
	d.Companies, d.Sources, d.CanAct = companies, connectors.Sources, rq.user.Role.CanAct()
	h.render(w, r, status, "tokens", rq, "", d)
}

func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request, rq *request) {
	company, err := strconv.ParseInt(r.PostFormValue("company"), 10, 64)
	if err != nil || !rq.user.Sees(company) {
		h.renderTokens(w, r, rq, http.StatusBadRequest,
			tokensData{Error: "Choose one of your companies."})
		return
	}
	var sources []connectors.Source
	for _, s := range r.PostForm["source"] {
		sources = append(sources, connectors.Source(s))
	}
	value, hash := connectors.GenerateToken()
	t, err := h.store.CreateToken(r.Context(), connectors.NewToken{
		CompanyID: company, Name: r.PostFormValue("name"), Hash: hash,
		Sources: sources,
	})
	switch connectors.ErrorCode(err) {
	case "":
	case connectors.EINVALID, connectors.ENOTFOUND:
		h.renderTokens(w, r, rq, http.StatusBadRequest,
			tokensData{Error: connectors.ErrorMessage(err) + "."})
		return
	default:
		h.fail(w, r, rq, err)
		return
	}
	h.audit(r.Context(), rq.user.Actor(), "token.create", tokenTarget(t.ID),
		company, "sources: "+sourceList(sources))
	h.renderTokens(w, r, rq, http.StatusCreated, tokensData{Secret: value.Reveal()})
}

func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request, rq *request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	t, err := h.store.Token(r.Context(), id)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND ||
		(err == nil && !rq.user.Sees(t.CompanyID)) {
		h.notFound(w, r, rq, "No such token.")
		return
	}
	if err == nil {
		err = h.store.RevokeToken(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	h.audit(r.Context(), rq.user.Actor(), "token.revoke", tokenTarget(id), t.CompanyID, "")
	http.Redirect(w, r, Prefix+"/tokens", http.StatusSeeOther)
}

func tokenTarget(id int64) string { return fmt.Sprintf("token:%d", id) }

func sourceList(sources []connectors.Source) string {
	if len(sources) == 0 {
		return "all"
	}
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}
