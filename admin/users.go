package admin

import (
	"net/http"
	"strconv"

	connectors "github.com/ipai-ai/ipai-connectors"
)

type userRow struct {
	connectors.User
	Companies []string
}

type usersData struct {
	Rows      []userRow
	Companies []connectors.Company
	Roles     []connectors.Role
	Error     string
	Done      string
}

func (usersData) title() (string, string) { return "Users and companies", "users" }

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.renderUsers(w, r, rq, http.StatusOK, usersData{Done: r.URL.Query().Get("done")})
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, rq *request,
	status int, d usersData) {
	companies, names, err := h.companies(r, rq.user)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	users, err := h.store.Users(r.Context())
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	for _, u := range users {
		row := userRow{User: u}
		for _, id := range u.CompanyIDs {
			row.Companies = append(row.Companies, names[id])
		}
		d.Rows = append(d.Rows, row)
	}
	d.Companies, d.Roles = companies, connectors.Roles
	h.render(w, r, status, "users", rq, "", d)
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request, rq *request) {
	refuse := func(msg string) {
		h.renderUsers(w, r, rq, http.StatusBadRequest, usersData{Error: msg})
	}
	role, err := connectors.ParseRole(r.PostFormValue("role"))
	if err != nil {
		refuse(connectors.ErrorMessage(err) + ".")
		return
	}
	var companies []int64
	for _, s := range r.PostForm["company"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			refuse("Unknown company.")
			return
		}
		companies = append(companies, id)
	}
	pw := r.PostFormValue("password")
	if err := checkPassword(pw); err != nil {
		refuse(connectors.ErrorMessage(err) + ".")
		return
	}
	hash, err := h.hashPassword(pw)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	u, err := h.store.CreateUser(r.Context(), connectors.NewUser{
		Email: r.PostFormValue("email"), Role: role, CompanyIDs: companies,
		PasswordHash: hash,
	})
	switch connectors.ErrorCode(err) {
	case "":
	case connectors.EINVALID, connectors.ECONFLICT, connectors.ENOTFOUND:
		refuse(connectors.ErrorMessage(err) + ".")
		return
	default:
		h.fail(w, r, rq, err)
		return
	}
	h.audit(r.Context(), rq.user.Actor(), "user.create", userTarget(u.ID), 0,
		u.Email+" as "+string(u.Role))
	http.Redirect(w, r, Prefix+"/users?done=created", http.StatusSeeOther)
}

func (h *Handler) userDisable(w http.ResponseWriter, r *http.Request, rq *request) {
	h.setDisabled(w, r, rq, true)
}

func (h *Handler) userEnable(w http.ResponseWriter, r *http.Request, rq *request) {
	h.setDisabled(w, r, rq, false)
}

func (h *Handler) setDisabled(w http.ResponseWriter, r *http.Request, rq *request, off bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if off && id == rq.user.ID {
		h.badRequest(w, r, rq, "You cannot disable yourself.")
		return
	}
	err := h.store.SetUserDisabled(r.Context(), id, off)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND {
		h.notFound(w, r, rq, "No such user.")
		return
	}
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	action := "user.enable"
	if off {
		action = "user.disable"
	}
	h.audit(r.Context(), rq.user.Actor(), action, userTarget(id), 0, "")
	http.Redirect(w, r, Prefix+"/users", http.StatusSeeOther)
}

func (h *Handler) companyCreate(w http.ResponseWriter, r *http.Request, rq *request) {
	c, err := h.store.CreateCompany(r.Context(), r.PostFormValue("name"))
	switch connectors.ErrorCode(err) {
	case "":
	case connectors.EINVALID, connectors.ECONFLICT:
		h.renderUsers(w, r, rq, http.StatusBadRequest,
			usersData{Error: connectors.ErrorMessage(err) + "."})
		return
	default:
		h.fail(w, r, rq, err)
		return
	}
	h.audit(r.Context(), rq.user.Actor(), "company.create",
		"company:"+strconv.FormatInt(c.ID, 10), c.ID, c.Name)
	http.Redirect(w, r, Prefix+"/users?done=company", http.StatusSeeOther)
}

type auditData struct {
	Rows []connectors.AuditEntry
	Next string
}

func (auditData) title() (string, string) { return "Audit log", "audit" }

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, rq *request) {
	f := connectors.AuditFilter{CompanyIDs: rq.user.Companies(), Limit: pageSize + 1}
	f.BeforeID, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := h.store.AuditLog(r.Context(), f)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	var d auditData
	if len(list) > pageSize {
		list = list[:pageSize]
		d.Next = Prefix + "/audit?before=" + strconv.FormatInt(list[pageSize-1].ID, 10)
	}
	d.Rows = list
	h.render(w, r, http.StatusOK, "audit", rq, "", d)
}
