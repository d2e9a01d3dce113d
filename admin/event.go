package admin

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	connectors "github.com/ipai-ai/ipai-connectors"
)

// maxShownPayload is the most payload bytes an event page shows; a larger
// payload is cut, with a link to download it whole.
const maxShownPayload = 256 << 10

// maxShownBody bounds the raw request body shown on an event page.
const maxShownBody = 64 << 10

// step is one entry of an event's timeline: a state move or a notes edit.
type step struct {
	At     time.Time
	Actor  connectors.Actor
	From   connectors.State
	To     connectors.State
	Reason string
	IsNote bool   // a notes edit, not a move
	Notes  string // the notes as edited
}

// action is a move an operator may make from the event's state.
type action struct {
	To         connectors.State
	Label      string
	NeedReason bool
}

type eventData struct {
	Event    connectors.Event
	Company  string
	Payload  template.HTML // escaped and highlighted
	Cut      bool
	Size     int
	Delivery *connectors.Delivery
	Headers  [][2]string
	Body     string
	BodyCut  bool
	Timeline []step
	Actions  []action
	CanAct   bool
	Error    string
}

func (d eventData) title() (string, string) {
	return "Event " + strconv.FormatInt(d.Event.ID, 10), "events"
}

// eventFor loads the event named in the path if the user may see it. An
// event of another company is answered as not found, so that its
// existence is not told either.
func (h *Handler) eventFor(w http.ResponseWriter, r *http.Request, rq *request) (
	connectors.Event, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, rq, "No such event.")
		return connectors.Event{}, false
	}
	ev, err := h.store.Event(r.Context(), id)
	if connectors.ErrorCode(err) == connectors.ENOTFOUND ||
		(err == nil && !rq.user.Sees(ev.CompanyID)) {
		h.notFound(w, r, rq, "No such event.")
		return ev, false
	}
	if err != nil {
		h.fail(w, r, rq, err)
		return ev, false
	}
	return ev, true
}

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request, rq *request) {
	ev, ok := h.eventFor(w, r, rq)
	if !ok {
		return
	}
	data, err := h.eventData(r, rq, ev)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	h.render(w, r, http.StatusOK, "event", rq, "", data)
}

func (h *Handler) eventData(r *http.Request, rq *request, ev connectors.Event) (eventData, error) {
	ctx := r.Context()
	d := eventData{Event: ev, CanAct: rq.user.Role.CanAct(), Size: len(ev.Payload)}
	if c, err := h.store.Company(ctx, ev.CompanyID); err == nil {
		d.Company = c.Name
	}
	d.Payload, d.Cut = highlightPayload(ev.Payload)

	del, err := h.store.Delivery(ctx, ev.ID)
	switch {
	case err == nil:
		d.Delivery = &del
		d.Headers = sortedHeaders(del.Header)
		d.Body, d.BodyCut = cut(string(del.Body), maxShownBody)
	case connectors.ErrorCode(err) != connectors.ENOTFOUND:
		return d, err
	}

	if d.Timeline, err = h.timeline(r, ev.ID); err != nil {
		return d, err
	}
	if d.CanAct {
		d.Actions = actions(ev.State)
	}
	return d, nil
}

// highlightPayload pretty-prints a payload and marks up its tokens. Every
// piece of text goes through template.HTMLEscapeString, so a payload
// holding markup shows as text.
func highlightPayload(p json.RawMessage) (template.HTML, bool) {
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, p, "", "  "); err != nil {
		pretty.Reset()
		pretty.Write(p)
	}
	text, isCut := cut(pretty.String(), maxShownPayload)
	return template.HTML(highlight(text)), isCut
}

func cut(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	// Back up to a rune boundary, so that no character is split.
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n], true
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func sortedHeaders(h http.Header) [][2]string {
	var out [][2]string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, [2]string{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func (h *Handler) timeline(r *http.Request, id int64) ([]step, error) {
	moves, err := h.store.History(r.Context(), id)
	if err != nil {
		return nil, err
	}
	edits, err := h.store.NoteEdits(r.Context(), id)
	if err != nil {
		return nil, err
	}
	var steps []step
	for _, m := range moves {
		steps = append(steps, step{At: m.At, Actor: m.Actor, From: m.From,
			To: m.To, Reason: m.Reason})
	}
	for _, e := range edits {
		steps = append(steps, step{At: e.At, Actor: e.Actor, IsNote: true,
			Notes: e.Notes})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].At.Before(steps[j].At) })
	return steps, nil
}

// labels name the moves on their buttons.
var labels = map[connectors.State]string{
	connectors.StateReceived:   "Retry",
	connectors.StateProcessing: "Start processing",
	connectors.StateProcessed:  "Mark processed",
	connectors.StateFailed:     "Mark failed",
	connectors.StateIgnored:    "Ignore",
}

// actions returns the buttons of an event in state: only the moves the
// state table allows from it.
func actions(state connectors.State) []action {
	var list []action
	for _, to := range state.Next() {
		list = append(list, action{To: to, Label: labels[to],
			NeedReason: to == connectors.StateFailed})
	}
	return list
}

func (h *Handler) payloadDownload(w http.ResponseWriter, r *http.Request, rq *request) {
	ev, ok := h.eventFor(w, r, rq)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition",
		`attachment; filename="event-`+strconv.FormatInt(ev.ID, 10)+`-payload.json"`)
	w.Write(ev.Payload)
}

func (h *Handler) move(w http.ResponseWriter, r *http.Request, rq *request) {
	ev, ok := h.eventFor(w, r, rq)
	if !ok {
		return
	}
	to := connectors.State(r.PostFormValue("to"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" && to == connectors.StateReceived {
		reason = "retried from the admin interface"
	}
	_, err := h.store.MoveEvent(r.Context(), connectors.Move{
		EventID: ev.ID, To: to, From: connectors.State(r.PostFormValue("from")),
		Actor: rq.user.Actor(), Reason: reason,
	})
	switch connectors.ErrorCode(err) {
	case "":
		h.audit(r.Context(), rq.user.Actor(), "event."+string(to),
			eventTarget(ev.ID), ev.CompanyID, "from "+string(ev.State))
		http.Redirect(w, r, Prefix+"/events/"+strconv.FormatInt(ev.ID, 10),
			http.StatusSeeOther)
	case connectors.EINVALID, connectors.ECONFLICT:
		h.refuseMove(w, r, rq, ev.ID, err)
	default:
		h.fail(w, r, rq, err)
	}
}

// refuseMove shows the event page again, as it is now, with why the move
// was refused.
func (h *Handler) refuseMove(w http.ResponseWriter, r *http.Request, rq *request,
	id int64, why error) {
	ev, err := h.store.Event(r.Context(), id)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	data, err := h.eventData(r, rq, ev)
	if err != nil {
		h.fail(w, r, rq, err)
		return
	}
	data.Error = connectors.ErrorMessage(why)
	h.render(w, r, http.StatusConflict, "event", rq, "", data)
}

func (h *Handler) notes(w http.ResponseWriter, r *http.Request, rq *request) {
	ev, ok := h.eventFor(w, r, rq)
	if !ok {
		return
	}
	notes := strings.ReplaceAll(r.PostFormValue("notes"), "\r\n", "\n")
	if notes != ev.Notes {
		if _, err := h.store.SetNotes(r.Context(), ev.ID, notes, rq.user.Actor()); err != nil {
			h.fail(w, r, rq, err)
			return
		}
		h.audit(r.Context(), rq.user.Actor(), "event.notes", eventTarget(ev.ID),
			ev.CompanyID, "")
	}
	http.Redirect(w, r, Prefix+"/events/"+strconv.FormatInt(ev.ID, 10),
		http.StatusSeeOther)
}

// bulkMoves are the moves the list offers on several events at once.
var bulkMoves = map[string]connectors.State{
	"retry":  connectors.StateReceived,
	"ignore": connectors.StateIgnored,
}

// maxBulk bounds one bulk action: a page of the list.
const maxBulk = 200

func (h *Handler) bulk(w http.ResponseWriter, r *http.Request, rq *request) {
	to, ok := bulkMoves[r.PostFormValue("action")]
	ids := r.PostForm["id"]
	if !ok || len(ids) == 0 || len(ids) > maxBulk {
		h.badRequest(w, r, rq, "Select between 1 and 200 events, then retry or ignore them.")
		return
	}
	done, skipped := 0, 0
	for _, s := range ids {
		if h.bulkOne(r, rq, s, to) {
			done++
		} else {
			skipped++
		}
	}
	back := safeNext(r.PostFormValue("back"))
	if !strings.HasPrefix(back, Prefix+"/events") {
		back = Prefix + "/events"
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"done="+strconv.Itoa(done)+
		"&skipped="+strconv.Itoa(skipped), http.StatusSeeOther)
}

// bulkOne moves one event of a bulk action, if the user sees it and the
// move is allowed from its state; anything else is skipped.
func (h *Handler) bulkOne(r *http.Request, rq *request, s string, to connectors.State) bool {
	ctx := r.Context()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return false
	}
	ev, err := h.store.Event(ctx, id)
	if err != nil || !rq.user.Sees(ev.CompanyID) ||
		!slices.Contains(ev.State.Next(), to) {
		return false
	}
	reason := "bulk " + bulkName(to) + " from the admin interface"
	_, err = h.store.MoveEvent(ctx, connectors.Move{EventID: id, To: to,
		From: ev.State, Actor: rq.user.Actor(), Reason: reason})
	if err != nil {
		return false
	}
	h.audit(ctx, rq.user.Actor(), "event."+string(to), eventTarget(id),
		ev.CompanyID, "bulk, from "+string(ev.State))
	return true
}

func bulkName(to connectors.State) string {
	for name, st := range bulkMoves {
		if st == to {
			return name
		}
	}
	return string(to)
}
