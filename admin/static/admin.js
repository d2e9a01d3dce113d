// The admin interface works without this script. It adds two things:
// "select all" on the events list, and live updates of the pages marked
// data-live, which fetch themselves again when the hub reports a change.
"use strict";

document.addEventListener("change", function (e) {
  if (e.target.id === "select-all") {
    document.querySelectorAll("input.pick").forEach(function (box) {
      box.checked = e.target.checked;
    });
  }
});

// busy reports whether the operator is in the middle of something that a
// refresh would undo: a selection, or a field being typed in.
function busy() {
  if (document.querySelector("input.pick:checked")) return true;
  var a = document.activeElement;
  return a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName);
}

var refreshing = false;
var pending = false;

function refresh() {
  if (refreshing) { pending = true; return; }
  if (busy()) { pending = true; return; }
  refreshing = true;
  fetch(location.href, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
    .then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("live");
      var here = document.getElementById("live");
      if (fresh && here && !busy()) {
        here.replaceWith(fresh);
        document.body.dataset.seen = doc.body.dataset.seen || "";
      }
    })
    .catch(function () {})
    .finally(function () {
      refreshing = false;
      if (pending) { pending = false; setTimeout(refresh, 500); }
    });
}

if (document.body.dataset.live && window.EventSource) {
  var source = new EventSource("/admin/live");
  source.addEventListener("change", function (e) {
    var change = JSON.parse(e.data);
    if (change.seen !== document.body.dataset.seen) refresh();
  });
  document.addEventListener("focusout", function () {
    if (pending) { pending = false; setTimeout(refresh, 200); }
  });
}
