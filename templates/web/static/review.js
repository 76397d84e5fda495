// Keyboard for the review pages. No framework, nothing fetched from elsewhere.
// Queue: j/k move the selection, Enter or o opens it, / searches.
// Hit: j/k next/previous hit, c/d/e confirm/dismiss/escalate, n writes a note (Esc leaves it),
// q back to the queue.
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function follow(id) {
    var a = document.getElementById(id);
    if (a && a.href) window.location.assign(a.href);
  }

  function queueKeys() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr[data-href]"));
    var at = rows.length ? 0 : -1;
    function select(i) {
      if (!rows.length) return;
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, k) { r.classList.toggle("sel", k === at); });
      rows[at].scrollIntoView({ block: "nearest" });
    }
    rows.forEach(function (r, k) {
      r.addEventListener("click", function (e) {
        if (e.target.tagName !== "A") window.location.assign(r.dataset.href);
      });
      r.addEventListener("mouseenter", function () { select(k); });
    });
    select(0);
    // a filter applies as soon as it is chosen
    Array.prototype.forEach.call(document.querySelectorAll("#filters select"), function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    return function (key, e) {
      if (key === "j") select(at + 1);
      else if (key === "k") select(at - 1);
      else if ((key === "Enter" || key === "o") && at >= 0) window.location.assign(rows[at].dataset.href);
      else if (key === "/") { e.preventDefault(); document.getElementById("search").focus(); }
      else return false;
      return true;
    };
  }

  function hitKeys() {
    var form = document.getElementById("decide");
    var buttons = { c: "b-confirm", d: "b-dismiss", e: "b-escalate" };
    return function (key, e) {
      if (key === "j") follow("next");
      else if (key === "k") follow("prev");
      else if (key === "q") follow("to-queue");
      else if (key === "n") { e.preventDefault(); document.getElementById("note").focus(); }
      else if (buttons[key]) {
        var by = document.getElementById("by");
        if (!by.value.trim()) { e.preventDefault(); by.focus(); by.reportValidity(); return true; }
        var button = document.getElementById(buttons[key]);
        if (form.requestSubmit) form.requestSubmit(button); else button.click();
      } else return false;
      return true;
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.dataset.page;
    var handle = page === "queue" ? queueKeys() : page === "hit" ? hitKeys() : null;
    if (!handle) return;
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (typing(e.target)) {
        if (e.key === "Escape") e.target.blur();
        return;
      }
      if (handle(e.key, e)) e.stopPropagation();
    });
  });
})();
