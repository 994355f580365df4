// clearpost dashboard: sortable tables and job progress. No framework, no build.
"use strict";

function sortTable(table, col, type, dir) {
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.rows);
  const key = (r) => {
    const c = r.cells[col];
    const v = c.dataset.v !== undefined ? c.dataset.v : c.textContent.trim();
    return type === "num" ? parseFloat(v) : v.toLowerCase();
  };
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const r = x < y ? -1 : x > y ? 1 : 0;
    return dir === "ascending" ? r : -r;
  });
  rows.forEach((r) => tbody.appendChild(r));
}

function initSortable() {
  document.querySelectorAll("table.sortable").forEach((table) => {
    const ths = Array.from(table.tHead.rows[0].cells);
    ths.forEach((th, col) => {
      const btn = th.querySelector("button.sort");
      if (!btn) return;
      btn.addEventListener("click", () => {
        const dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        ths.forEach((o) => o.hasAttribute("aria-sort") && o.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", dir);
        sortTable(table, col, btn.dataset.type || "text", dir);
      });
    });
  });
}

function initJob() {
  const box = document.getElementById("job");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const bar = document.getElementById("job-progress");
  const text = document.getElementById("job-text");
  const state = document.getElementById("job-state");
  const err = document.getElementById("job-error");
  const done = document.getElementById("job-done");
  let delay = 700;
  async function poll() {
    try {
      const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (r.status === 401) { window.location = "/app/login"; return; }
      if (r.ok) {
        const j = await r.json();
        const finished = j.done + j.failed;
        bar.max = Math.max(1, j.total);
        bar.value = finished;
        state.textContent = j.state;
        text.textContent = `${j.done} of ${j.total} posts analysed` + (j.failed ? `, ${j.failed} failed` : "") + ".";
        if (j.error) { err.hidden = false; err.textContent = j.error; }
        if (j.state === "done" || j.state === "failed") { done.hidden = false; return; }
      }
    } catch (e) { /* network blip: try again */ }
    delay = Math.min(3000, delay * 1.2);
    setTimeout(poll, delay);
  }
  poll();
}

document.addEventListener("DOMContentLoaded", () => { initSortable(); initJob(); });
