// vtasksim's task view. No framework, no build step: the server sends rows ready to show
// (server-sent events from events), this script filters, sorts and lays out only the rows
// in sight, at most once per animation frame.
"use strict";

(() => {
  const ROW_HEIGHT = 34;
  const OVERSCAN = 6;
  const STATE_LABELS = { queued: "Queued", running: "Running", success: "Completed", error: "Failed" };
  const collator = new Intl.Collator(undefined, { numeric: true });

  const tasks = new Map(); // key -> row, each row mutated in place and versioned
  let view = []; // the rows that pass the filters, newest first
  const query = new URLSearchParams(location.search);
  let stateFilter = STATE_LABELS[query.get("state")] ? query.get("state") : "all";
  let textFilter = (query.get("q") || "").trim().toLowerCase();
  let refilter = true;
  let frame = 0;
  let version = 0;

  const $ = (id) => document.getElementById(id);
  const body = $("grid-body");
  const spacer = $("grid-spacer");
  const pool = [];

  // Rows

  function pad(n, width = 2) { return String(n).padStart(width, "0"); }

  function formatTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function prepare(row) {
    row.order = Date.parse(row.queued) || 0;
    row.search = [row.key, row.title, row.type, row.entity, row.user, row.outcome, row.fault]
      .filter(Boolean).join("\n").toLowerCase();
    row.times = [formatTime(row.queued), formatTime(row.started), formatTime(row.completed)];
    row.version = ++version;
    return row;
  }

  function statusLabel(row) {
    if (row.state === "running") {
      if (row.cancelled) return "Canceling…";
      return row.progress == null ? "" : `${row.progress}%`;
    }
    if (row.state === "error" && row.cancelled) return "Canceled";
    return STATE_LABELS[row.state] || row.state;
  }

  function accept(rows) {
    for (const incoming of rows) {
      const known = tasks.get(incoming.key);
      if (!known) {
        tasks.set(incoming.key, prepare(incoming));
        refilter = true;
        continue;
      }
      if (known.state !== incoming.state || textFilter) refilter = true;
      Object.assign(known, prepare(incoming));
      known.flash = true;
    }
  }

  // Filtering and layout

  function matches(row) {
    return (stateFilter === "all" || row.state === stateFilter) && (!textFilter || row.search.includes(textFilter));
  }

  function newestFirst(a, b) { return b.order - a.order || collator.compare(b.key, a.key); }

  function applyFilters() {
    const counts = { all: 0, queued: 0, running: 0, success: 0, error: 0 };
    view = [];
    for (const row of tasks.values()) {
      counts.all++;
      counts[row.state] = (counts[row.state] || 0) + 1;
      if (matches(row)) view.push(row);
    }
    view.sort(newestFirst);
    for (const [state, n] of Object.entries(counts)) {
      const badge = document.querySelector(`[data-count="${state}"]`);
      if (badge) badge.textContent = n.toLocaleString();
    }
    spacer.style.height = `${view.length * ROW_HEIGHT}px`;
    $("grid").setAttribute("aria-rowcount", String(view.length));
    $("empty").hidden = view.length > 0;
    $("shown").textContent = view.length === tasks.size
      ? `${tasks.size.toLocaleString()} tasks`
      : `${view.length.toLocaleString()} of ${tasks.size.toLocaleString()} tasks`;
    refilter = false;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(render);
  }

  function render() {
    frame = 0;
    if (refilter) applyFilters();
    const first = Math.max(0, Math.floor(body.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(view.length, Math.ceil((body.scrollTop + body.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    while (pool.length < last - first) pool.push(makeRow());
    for (let i = first; i < last; i++) {
      const element = pool[i - first];
      const row = view[i];
      if (element.row !== row || element.version !== row.version) fillRow(element, row);
      element.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      element.hidden = false;
    }
    for (let i = last - first; i < pool.length; i++) {
      pool[i].hidden = true;
      pool[i].row = null;
    }
  }

  function cell(className) {
    const span = document.createElement("span");
    span.className = className;
    span.setAttribute("role", "cell");
    return span;
  }

  function makeStatus() {
    const status = document.createElement("span");
    status.className = "status";
    status.innerHTML = '<span class="icon"></span><span class="bar"><span class="fill"></span></span><span class="label"></span>';
    return status;
  }

  function fillStatus(status, row) {
    status.dataset.state = row.state;
    status.classList.toggle("cancelled", row.cancelled);
    status.classList.toggle("indeterminate", row.state === "running" && row.progress == null);
    const fill = status.querySelector(".fill");
    fill.style.width = `${row.progress || 0}%`;
    status.querySelector(".bar").dataset.value = row.progress == null ? "" : String(row.progress);
    status.querySelector(".label").textContent = statusLabel(row);
  }

  function makeRow() {
    const element = document.createElement("div");
    element.className = "grid-row";
    element.setAttribute("role", "row");
    const title = cell("cell-title");
    title.appendChild(document.createElement("a"));
    const status = cell("cell-status");
    status.appendChild(makeStatus());
    element.append(title, cell("cell-entity"), status, cell("cell-details"), cell("cell-user"),
      cell("cell-time"), cell("cell-time"), cell("cell-time"));
    element.addEventListener("click", (event) => {
      if (element.row && !event.target.closest("a")) location.hash = `task=${encodeURIComponent(element.row.key)}`;
    });
    body.appendChild(element);
    return element;
  }

  function fillRow(element, row) {
    const [title, entity, status, details, user, queued, started, completed] = element.children;
    const flash = element.row === row && row.flash;
    element.row = row;
    element.version = row.version;
    element.dataset.key = row.key;
    element.dataset.state = row.state;
    element.classList.toggle("selected", row.key === openKey);
    const link = title.firstChild;
    link.textContent = row.title;
    link.href = `#task=${encodeURIComponent(row.key)}`;
    title.title = `${row.title}\n${row.type} · ${row.key}`;
    entity.textContent = row.entity || "";
    entity.title = row.entity || "";
    fillStatus(status.firstChild, row);
    details.textContent = row.outcome || "";
    details.title = row.outcome || "";
    details.className = row.state === "error" ? "cell-details is-error" : "cell-details";
    user.textContent = row.user;
    user.title = row.user;
    [queued.textContent, started.textContent, completed.textContent] = row.times;
    queued.title = row.queued || "";
    started.title = row.started || "";
    completed.title = row.completed || "";
    row.flash = false;
    if (flash) {
      element.classList.remove("flash");
      void element.offsetWidth; // restart the animation
      element.classList.add("flash");
    }
  }

  // Filters, kept in the address (?state=error&q=db-01) so a view can be shared or reloaded

  function filtersChanged() {
    const params = new URLSearchParams();
    if (stateFilter !== "all") params.set("state", stateFilter);
    if (textFilter) params.set("q", $("filter-text").value.trim());
    const search = params.toString();
    history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}${location.hash}`);
    for (const button of document.querySelectorAll("[data-state-filter]")) {
      button.setAttribute("aria-pressed", String(button.dataset.stateFilter === stateFilter));
    }
    refilter = true;
    body.scrollTop = 0;
    schedule();
  }

  for (const button of document.querySelectorAll("[data-state-filter]")) {
    button.addEventListener("click", () => {
      stateFilter = button.dataset.stateFilter;
      filtersChanged();
    });
  }

  let typing = 0;
  $("filter-text").value = query.get("q") || "";
  $("filter-text").addEventListener("input", (event) => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      textFilter = event.target.value.trim().toLowerCase();
      filtersChanged();
    }, 60);
  });
  filtersChanged();

  body.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);

  // Detail: #task=KEY opens a task's TaskInfo and history beside the list

  let openKey = null;
  let loading = false;
  let reloadAfter = false;

  function route() {
    const match = /^#task=(.+)$/.exec(location.hash);
    openKey = match ? decodeURIComponent(match[1]) : null;
    $("detail").hidden = !openKey;
    for (const element of pool) element.classList.toggle("selected", !!element.row && element.row.key === openKey);
    if (openKey) loadDetail();
  }

  async function loadDetail() {
    if (loading) { reloadAfter = true; return; }
    loading = true;
    const key = openKey;
    try {
      const response = await fetch(`api/tasks/${encodeURIComponent(key)}`, { cache: "no-store" });
      if (key === openKey) {
        if (response.ok) showDetail(await response.json());
        else showMissing(key);
      }
    } catch (error) {
      // the event stream reports the connection; the next change loads again
    } finally {
      loading = false;
      if (reloadAfter) { reloadAfter = false; if (openKey) loadDetail(); }
    }
  }

  function showMissing(key) {
    $("detail-key").textContent = key;
    $("detail-title").textContent = "No such task";
    for (const id of ["detail-status", "detail-summary", "detail-history", "detail-info"]) $(id).replaceChildren();
  }

  function showDetail(detail) {
    const row = detail.row;
    $("detail").dataset.key = row.key;
    $("detail-key").textContent = `${row.key} · ${row.type}`;
    $("detail-title").textContent = row.title;
    const status = makeStatus();
    fillStatus(status, row);
    $("detail-status").replaceChildren(status);
    const summary = [
      ["State", `${row.state}${row.cancelled ? " (canceled)" : ""}`],
      ["Progress", row.progress == null ? "—" : `${row.progress}%`],
      ["Target", row.entity || "—"],
      ["Initiator", row.user],
      ["Cancelable", row.cancelable ? "yes" : "no"],
      ["Queued", formatTime(row.queued) || "—"],
      ["Started", formatTime(row.started) || "—"],
      ["Completed", formatTime(row.completed) || "—"],
      [row.state === "error" ? "Error" : "Result", row.outcome || "—"],
    ];
    $("detail-summary").replaceChildren(...summary.flatMap(([term, value]) => [element("dt", term), element("dd", value)]));
    showHistory(detail.history, detail.historyTotal);
    $("detail-info").replaceChildren(jsonTree(detail.info));
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text != null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function showHistory(history, total) {
    const list = $("detail-history");
    if (history == null) {
      list.replaceChildren(element("p", "This server keeps no request log.", "history-empty"));
      return;
    }
    if (!history.length) {
      list.replaceChildren(element("p", "No call has named this task yet.", "history-empty"));
      return;
    }
    const earlier = total - history.length;
    list.replaceChildren(...(earlier > 0 ? [element("p", `${earlier.toLocaleString()} earlier calls not shown`, "history-empty")] : []),
      ...history.map(historyItem));
  }

  function historyItem(record) {
    const item = element("li");
    item.dataset.method = record.method;
    if (record.fault) item.classList.add("is-fault");
    const when = new Date(record.time);
    item.append(element("div", `${formatTime(record.time)}.${pad(when.getMilliseconds(), 3)}`, "when"));
    const call = element("div", null, "call");
    call.append(element("b", record.method), `(${argumentsText(record.arguments)})`);
    if (record.started) call.append(` → ${record.started.value}`);
    item.append(call);
    if (record.fault) item.append(element("div", `${record.fault.type}: ${record.fault.message || ""}`, "fault"));
    if (record.note) {
      item.classList.add("is-injected");
      item.append(element("div", record.status === 0 ? `no answer: ${record.note}` : `answered by ${record.note}`, "note"));
    }
    const meta = [record.user || "no session", record.status ? `HTTP ${record.status}` : null,
      record.latencyMs != null ? `${Number(record.latencyMs).toFixed(record.latencyMs < 10 ? 2 : 0)} ms` : null];
    item.append(element("div", meta.filter(Boolean).join(" · "), "meta"));
    return item;
  }

  function argumentsText(args) {
    if (!args || typeof args !== "object") return "";
    return Object.entries(args).map(([name, value]) => `${name}=${shortJson(value)}`).join(", ");
  }

  function shortJson(value) {
    if (value && typeof value === "object" && "type" in value && "value" in value && Object.keys(value).length === 2) {
      return `${value.type}:${value.value}`;
    }
    const text = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
    return text.length > 160 ? `${text.slice(0, 159)}…` : text;
  }

  function jsonTree(value) {
    if (value === null || value === undefined) return element("span", "unset", "null");
    if (Array.isArray(value)) {
      if (!value.length) return element("span", "[]", "null");
      const list = document.createElement("dl");
      value.forEach((item, i) => list.append(element("dt", `[${i}]`), wrap(jsonTree(item))));
      return list;
    }
    if (typeof value === "object") {
      if ("type" in value && "value" in value && Object.keys(value).length === 2) return element("span", `${value.type}:${value.value}`);
      const list = document.createElement("dl");
      for (const [name, item] of Object.entries(value)) {
        if (name === "_type") continue;
        list.append(element("dt", name), wrap(jsonTree(item)));
      }
      if (value._type) {
        const box = document.createElement("div");
        box.append(element("span", value._type, "type"), list);
        return box;
      }
      return list;
    }
    return element("span", String(value));
  }

  function wrap(node) {
    const dd = document.createElement("dd");
    dd.append(node);
    return dd;
  }

  $("detail-close").addEventListener("click", (event) => {
    event.preventDefault();
    history.replaceState(null, "", location.pathname + location.search);
    route();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && openKey) $("detail-close").click();
  });
  window.addEventListener("hashchange", route);

  // The live feed

  const connection = $("connection");

  function connect() {
    const source = new EventSource("events");
    source.addEventListener("open", () => {
      connection.dataset.state = "live";
      connection.textContent = "Live";
    });
    source.addEventListener("error", () => {
      connection.dataset.state = "lost";
      connection.textContent = "Reconnecting…";
    });
    source.addEventListener("snapshot", (message) => {
      const { rows } = JSON.parse(message.data);
      tasks.clear();
      accept(rows);
      refilter = true;
      stamp();
      schedule();
      if (openKey) loadDetail();
    });
    source.addEventListener("tasks", (message) => {
      const batch = JSON.parse(message.data);
      accept(batch.rows);
      for (const key of batch.removed) if (tasks.delete(key)) refilter = true;
      stamp();
      schedule();
      if (openKey && (batch.history.includes(openKey) || batch.removed.includes(openKey) || batch.rows.some((row) => row.key === openKey))) {
        loadDetail();
      }
    });
  }

  function stamp() {
    $("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  route();
  connect();
})();
