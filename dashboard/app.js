"use strict";
// Tollgate's dashboard. Every figure on these pages comes from the gateway's JSON API (the admin
// endpoints for the admin, /v1 for a team), the same answers a script gets, so a chart and the
// spend report agree to the cent. Dollar amounts stay decimal strings end to end: they are
// rounded to cents only when shown, half away from zero, and each shown amount carries its exact
// value in data-usd (and its title).

const app = document.getElementById("app");

// MARK: Helpers

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    // Through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
    else if (name === "style") node.style.cssText = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const svgNS = "http://www.w3.org/2000/svg";
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(svgNS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

async function api(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } });
  const text = await response.text();
  if (response.status === 401) {
    location.assign("/dashboard/login");
    throw new Error("Signed out.");
  }
  // Keep every *_usd number as its decimal text: JSON.parse would make it a binary float.
  const body = JSON.parse(text.replace(/"([a-z0-9_]*_usd)":(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, '"$1":"$2"'));
  if (!response.ok) throw new Error(body.error?.message || response.statusText);
  return body;
}

function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** A decimal string as an integer count of 10^-places dollars, rounded half away from zero. */
function rounded(decimal, places) {
  let text = String(decimal ?? "0");
  if (/e/i.test(text)) text = Number(text).toFixed(12);
  const negative = text.startsWith("-");
  if (negative) text = text.slice(1);
  const [whole, fraction = ""] = text.split(".");
  const digits = (fraction + "0".repeat(places + 1)).slice(0, places + 1);
  let value = BigInt(whole || "0") * 10n ** BigInt(places) + BigInt(digits.slice(0, places) || "0");
  if (Number(digits[places]) >= 5) value += 1n;
  return negative ? -value : value;
}

/** Dollars to the cent; under a dollar to a hundredth of a cent, under a cent to a millionth of
 *  a dollar, so small spend shows. */
function usdText(decimal) {
  const magnitude = Math.abs(Number(decimal));
  const places = magnitude >= 1 || magnitude === 0 ? 2 : magnitude >= 0.01 ? 4 : 6;
  const value = rounded(decimal, places);
  const size = value < 0n ? -value : value;
  const unit = 10n ** BigInt(places);
  return (value < 0n ? "−$" : "$") + (size / unit).toLocaleString("en-US") + "." + String(size % unit).padStart(places, "0");
}

function money(decimal, attributes = {}) {
  if (decimal === null || decimal === undefined) return el("span", { class: "muted", text: "—", ...attributes });
  return el("span", { class: "usd", "data-usd": decimal, title: "$" + decimal, text: usdText(decimal), ...attributes });
}

function count(value) {
  return Number(value ?? 0).toLocaleString("en-US");
}

function dateIn(timeZone, instant) {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(instant));
}

function timeIn(timeZone, instant) {
  if (!instant) return "—";
  return new Intl.DateTimeFormat("en-GB", {
    timeZone, year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).format(new Date(instant));
}

/** Every calendar day from `first` to `last` (YYYY-MM-DD, inclusive). */
function daysBetween(first, last) {
  const days = [];
  const day = new Date(first + "T00:00:00Z");
  const end = new Date(last + "T00:00:00Z");
  while (day <= end && days.length < 400) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

/** The calendar days a report covers, in its time zone. */
function reportDays(report) {
  const lastInstant = new Date(new Date(report.to).getTime() - 1);
  return daysBetween(dateIn(report.timezone, report.from), dateIn(report.timezone, lastInstant));
}

function panel(title, ...children) {
  return el("section", { class: "panel" }, el("h2", { text: title }), ...children);
}

function table(name, headers, rows, empty = "Nothing in this period.") {
  if (rows.length === 0) return el("p", { class: "muted", "data-table": name, text: empty });
  return el("div", { class: "scroll" },
    el("table", { "data-table": name },
      el("thead", {}, el("tr", {}, headers.map((header) => el("th", { class: header.endsWith(" ") ? "num" : null, text: header.trim() })))),
      el("tbody", {}, rows)));
}

function cell(content, numeric = false) {
  return el("td", { class: numeric ? "num" : null }, content);
}

/** Drawn at the size it is shown (up to 820 px), so its labels are never scaled down to specks. */
function chartWidth() {
  return Math.max(300, Math.min(820, app.clientWidth - 48));
}

const palette = ["#2952cc", "#e07b39", "#1b998b", "#c13c6b", "#7a5cc6", "#8c9a2b", "#3c8dd6", "#b5523b", "#4f6d7a", "#d4a017"];

/** Daily spend as stacked bars, one series per model (or team). Each bar keeps its exact amount. */
function stackedChart(days, seriesOf, rows) {
  const names = [...new Set(rows.map(seriesOf))].sort();
  const byDay = new Map(days.map((day) => [day, []]));
  for (const row of rows) byDay.get(row.day)?.push(row);
  const totals = days.map((day) => byDay.get(day).reduce((sum, row) => sum + Number(row.cost_usd), 0));
  const top = Math.max(...totals, 0) || 1;
  const width = chartWidth(), height = 240, left = 64, bottom = 22, slot = (width - left) / Math.max(days.length, 1);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Daily spend" });
  for (const fraction of [0, 0.5, 1]) {
    const y = 14 + (height - bottom - 14) * (1 - fraction);
    chart.append(svg("line", { x1: left, x2: width, y1: y + 0.5, y2: y + 0.5, stroke: "#e4e7ec" }));
    chart.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", text: usdText(String(top * fraction)) }));
  }
  days.forEach((day, index) => {
    let y = height - bottom;
    const x = left + index * slot + slot * 0.15;
    for (const row of byDay.get(day).sort((a, b) => seriesOf(a).localeCompare(seriesOf(b)))) {
      const h = (Number(row.cost_usd) / top) * (height - bottom - 14);
      y -= h;
      const bar = svg("rect", {
        x, y, width: Math.max(slot * 0.7, 1), height: Math.max(h, 0), fill: palette[names.indexOf(seriesOf(row)) % palette.length],
        "data-day": day, "data-series": seriesOf(row), "data-usd": row.cost_usd,
      });
      bar.append(svg("title", { text: `${day} · ${seriesOf(row)}: ${usdText(row.cost_usd)}` }));
      chart.append(bar);
    }
    if (days.length <= 16 || index % Math.ceil(days.length / 10) === 0) {
      chart.append(svg("text", { x: x + slot * 0.35, y: height - 6, "text-anchor": "middle", text: day.slice(5) }));
    }
  });
  const legend = el("div", { class: "legend" },
    names.map((name, index) => el("span", {}, el("i", { style: `background:${palette[index % palette.length]}` }), name)));
  return el("div", { "data-chart": "daily" }, chart, legend);
}

/** A budget's burn-down: spend so far day by day, the limit, and the forecast to the period's end. */
function burnChart(budget, days, dailyRows) {
  const width = chartWidth(), height = 220, left = 64, bottom = 22;
  const byDay = new Map(dailyRows.map((row) => [row.day, Number(row.cost_usd)]));
  const today = dateIn(budget.timezone, Date.now());
  let running = 0;
  const points = [];
  days.forEach((day, index) => {
    if (day > today) return;
    running += byDay.get(day) ?? 0;
    points.push([index, running]);
  });
  const limit = budget.monthly_budget_usd === null ? null : Number(budget.monthly_budget_usd);
  const projected = budget.projected_spend_usd === null || budget.projected_spend_usd === undefined ? null : Number(budget.projected_spend_usd);
  const top = Math.max(running, limit ?? 0, projected ?? 0) * 1.1 || 1;
  const slot = (width - left) / Math.max(days.length - 1, 1);
  const x = (index) => left + index * slot;
  const y = (value) => 14 + (height - bottom - 14) * (1 - value / top);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Budget burn-down" });
  chart.append(svg("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, stroke: "#e4e7ec" }));
  chart.append(svg("text", { x: left - 6, y: y(top / 1.1) + 4, "text-anchor": "end", text: usdText(String(top / 1.1)) }));
  if (limit !== null) {
    chart.append(svg("line", { x1: left, x2: width, y1: y(limit), y2: y(limit), stroke: "#c4320a", "stroke-dasharray": "4 3" }));
    chart.append(svg("text", { x: width - 4, y: y(limit) - 4, "text-anchor": "end", text: "budget " + usdText(budget.monthly_budget_usd) }));
  }
  if (points.length > 0) {
    chart.append(svg("polyline", { points: points.map(([i, v]) => `${x(i)},${y(v)}`).join(" "), fill: "none", stroke: "#2952cc", "stroke-width": 2 }));
    if (projected !== null) {
      const [lastIndex, lastValue] = points[points.length - 1];
      chart.append(svg("line", {
        x1: x(lastIndex), y1: y(lastValue), x2: x(days.length - 1), y2: y(projected), stroke: "#2952cc", "stroke-dasharray": "5 4",
        "data-projected-usd": budget.projected_spend_usd,
      }));
    }
  }
  chart.append(svg("text", { x: left, y: height - 6, text: days[0]?.slice(5) ?? "" }));
  chart.append(svg("text", { x: width, y: height - 6, "text-anchor": "end", text: days[days.length - 1]?.slice(5) ?? "" }));
  return el("div", { "data-chart": "burn-down" }, chart);
}

function budgetBar(budget) {
  if (budget.monthly_budget_usd === null) return el("span", { class: "muted", text: "no limit" });
  const share = Number(budget.spent_usd) / Math.max(Number(budget.monthly_budget_usd), 1e-12);
  return el("div", { class: "bar" + (share >= 1 ? " over" : ""), title: Math.round(share * 100) + "%" },
    el("span", { style: `width:${Math.min(share, 1) * 100}%` }));
}

function forecastText(budget, timeZone) {
  if (budget.projected_spend_usd === undefined) return "";
  const end = budget.projected_exhaustion_at
    ? `projected to run out ${timeIn(timeZone, budget.projected_exhaustion_at)}`
    : "not projected to run out this period";
  return `Forecast for the period: ${usdText(budget.projected_spend_usd)}, ${end} (burn rate of the last 24 hours or 7 days, whichever is higher).`;
}

function budgetRow(budget, label, timeZone) {
  return el("tr", { "data-budget": budget.id },
    cell(label), cell(money(budget.spent_usd), true), cell(money(budget.monthly_budget_usd), true), cell(money(budget.remaining_usd), true),
    cell(budgetBar(budget)), cell(money(budget.projected_spend_usd ?? null), true),
    cell(budget.projected_exhaustion_at ? timeIn(timeZone, budget.projected_exhaustion_at) : "—"));
}

const budgetHeaders = ["Scope", "Spent ", "Budget ", "Remaining ", "Used", "Projected ", "Runs out"];

function topTable(name, rows, label) {
  const sorted = [...rows].sort((a, b) => Number(b.cost_usd) - Number(a.cost_usd)).slice(0, 10);
  return table(name, ["Name", "Requests ", "Cost "],
    sorted.map((row) => el("tr", {}, cell(label(row)), cell(count(row.requests), true), cell(money(row.cost_usd), true))));
}

function monthTitle(report) {
  const first = dateIn(report.timezone, report.from);
  const last = dateIn(report.timezone, new Date(new Date(report.to).getTime() - 1));
  return `${first} to ${last} (${report.timezone})`;
}

// MARK: Pages

async function overview(session) {
  const admin = session.kind === "admin";
  const spend = (groupBy) => api((admin ? "/admin/spend" : "/v1/spend") + query({ group_by: groupBy, timezone: session.timezone }));
  const [totals, daily, teams, keys, tasks, models, owner] = await Promise.all([
    spend(""), spend(admin ? "day,team" : "day,model"), admin ? spend("team") : null, spend("key"), spend("task"), spend("model"),
    api(admin ? "/admin/teams" : "/v1/team"),
  ]);
  const t = totals.totals;
  const budgetRows = admin
    ? owner.data.filter((team) => team.budget).map((team) => budgetRow(team.budget, el("a", { href: `/dashboard/teams/${team.id}`, text: team.name }), team.budget_timezone))
    : [budgetRow(owner.team.budget, el("a", { href: `/dashboard/teams/${owner.team.id}`, text: "Team " + owner.team.name }), session.timezone),
       ...owner.keys.filter((key) => key.budget && key.budget.monthly_budget_usd !== null)
         .map((key) => budgetRow(key.budget, "Key " + key.name, session.timezone))];
  app.replaceChildren(
    el("h1", { text: admin ? "Overview" : `Overview · ${session.team}` }),
    el("p", { class: "muted", id: "period", text: monthTitle(totals) }),
    el("div", { class: "cards" },
      el("div", { class: "card" }, "Spend", el("div", { class: "value", id: "total-spend" }, money(t.cost_usd))),
      el("div", { class: "card" }, "Requests", el("div", { class: "value", id: "total-requests", text: count(t.requests) })),
      el("div", { class: "card" }, "Unpriced requests", el("div", { class: "value", id: "unpriced", text: count(t.unpriced_requests) })),
      el("div", { class: "card" }, "Estimated usage", el("div", { class: "value", id: "estimated", text: count(t.estimated_requests) }))),
    panel("Budgets this period", table("budgets", budgetHeaders, budgetRows, "No budgets.")),
    panel(admin ? "Daily spend by team" : "Daily spend by model",
      stackedChart(reportDays(daily), (row) => (admin ? row.team : row.model) ?? "—", daily.rows)),
    el("div", { class: "grid2" },
      admin ? panel("Top teams", topTable("top-teams", teams.rows, (row) => el("a", { href: `/dashboard/teams/${row.team_id}`, text: row.team ?? row.team_id }))) : null,
      panel("Top keys", topTable("top-keys", keys.rows, (row) => row.key ?? row.key_id)),
      panel("Top tasks", topTable("top-tasks", tasks.rows, (row) => row.task)),
      panel("Top models", topTable("top-models", models.rows, (row) => row.model))));
}

async function teamPage(session, id) {
  const admin = session.kind === "admin";
  let team, keys;
  if (admin) {
    [team, keys] = await Promise.all([api(`/admin/teams/${encodeURIComponent(id)}`), api(`/admin/keys?team_id=${encodeURIComponent(id)}`)]);
    keys = keys.data;
  } else {
    if (id !== session.team_id) {
      app.replaceChildren(el("h1", { text: "Team" }), el("p", { class: "error", text: "A team key sees only its own team." }));
      return;
    }
    ({ team, keys } = await api("/v1/team"));
  }
  const timeZone = team.budget_timezone;
  const period = team.budget;
  const spend = (groupBy) => api((admin ? "/admin/spend" : "/v1/spend") + query({
    team_id: admin ? team.id : null, group_by: groupBy, timezone: timeZone, from: period.period_start, to: period.resets_at,
  }));
  const [daily, byKey, byTask, byModel] = await Promise.all([spend("day"), spend("key"), spend("task"), spend("model")]);
  const keySpend = new Map(byKey.rows.map((row) => [row.key_id, row]));
  const budget = { ...team.budget, timezone: timeZone };
  const keyRows = keys.map((key) => {
    const state = key.revoked_at ? "revoked" : key.expires_at && new Date(key.expires_at) < new Date() ? "expired" : "active";
    return el("tr", { "data-key": key.id },
      cell(key.name), cell(el("code", { text: key.prefix + "…" })), cell(state),
      cell(money(keySpend.get(key.id)?.cost_usd ?? "0"), true), cell(money(key.monthly_budget_usd), true),
      cell(money(key.budget?.remaining_usd ?? null), true),
      cell(key.rpm_limit ?? "—", true), cell(key.tpm_limit ?? "—", true));
  });
  app.replaceChildren(
    el("h1", { text: `Team ${team.name}` }),
    el("p", { class: "muted", id: "period", text: `Budget period ${monthTitle(daily)}` }),
    el("div", { class: "cards" },
      el("div", { class: "card" }, "Spent", el("div", { class: "value", id: "team-spent" }, money(team.budget.spent_usd))),
      el("div", { class: "card" }, "Budget", el("div", { class: "value", id: "team-budget" }, money(team.budget.monthly_budget_usd))),
      el("div", { class: "card" }, "Remaining", el("div", { class: "value", id: "team-remaining" }, money(team.budget.remaining_usd))),
      el("div", { class: "card" }, "Projected", el("div", { class: "value", id: "team-projected" }, money(team.budget.projected_spend_usd ?? null)))),
    panel("Burn-down", burnChart(budget, reportDays(daily), daily.rows), el("p", { class: "muted small", id: "forecast", text: forecastText(team.budget, timeZone) })),
    panel("Keys", table("keys", ["Key", "Prefix", "State", "Spent ", "Budget ", "Remaining ", "RPM ", "TPM "], keyRows, "No keys.")),
    el("div", { class: "grid2" },
      panel("Spend by task", topTable("by-task", byTask.rows, (row) => row.task)),
      panel("Spend by model", topTable("by-model", byModel.rows, (row) => row.model))));
}

async function requestsPage(session) {
  const admin = session.kind === "admin";
  const search = new URLSearchParams(location.search);
  const filters = {};
  for (const name of ["team_id", "key_id", "task", "model", "status", "end_user", "run", "from", "to", "before"]) filters[name] = search.get(name) || null;
  if (!admin) filters.team_id = null;
  const [page, teams, keys] = await Promise.all([
    api((admin ? "/admin/usage" : "/v1/usage") + query({ ...filters, limit: 50 })),
    admin ? api("/admin/teams") : null,
    admin ? api("/admin/keys" + query({ team_id: filters.team_id })) : api("/v1/team"),
  ]);
  const keyList = admin ? keys.data : keys.keys;
  const select = (name, options) => el("select", { name },
    el("option", { value: "", text: "any" }),
    options.map(([value, label]) => el("option", { value, selected: value === filters[name], text: label })));
  const form = el("form", { class: "filters", method: "get", action: "/dashboard/requests", id: "filters" },
    admin ? el("label", {}, "Team", select("team_id", teams.data.map((team) => [team.id, team.name]))) : null,
    el("label", {}, "Key", select("key_id", keyList.map((key) => [key.id, key.name]))),
    el("label", {}, "Task", el("input", { name: "task", value: filters.task ?? "", size: 12 })),
    el("label", {}, "Model", el("input", { name: "model", value: filters.model ?? "", size: 14 })),
    el("label", {}, "Status", select("status", [["ok", "answered"], ["error", "failed"]])),
    el("label", {}, "End user", el("input", { name: "end_user", value: filters.end_user ?? "", size: 12 })),
    el("label", {}, "Run", el("input", { name: "run", value: filters.run ?? "", size: 12 })),
    el("label", {}, "From", el("input", { name: "from", type: "date", value: filters.from ?? "" })),
    el("label", {}, "To", el("input", { name: "to", type: "date", value: filters.to ?? "" })),
    el("button", { type: "submit", class: "primary", text: "Filter" }));
  const rows = page.data.map((row) => el("tr", { "data-request": row.request_id },
    cell(timeIn(session.timezone, row.created_at)), cell(el("code", { text: row.request_id })),
    admin ? cell(row.team ?? row.team_id) : null, cell(row.key ?? row.key_id), cell(row.task),
    cell(row.requested_model === row.served_model ? row.served_model : `${row.requested_model} → ${row.served_model}`),
    cell(count(row.input_tokens), true), cell(count(row.cached_input_tokens), true), cell(count(row.cache_write_tokens), true),
    cell(count(row.output_tokens), true), cell(count(row.reasoning_tokens), true),
    cell(row.cost_usd === null ? el("span", { class: "status-bad", text: "unpriced" }) : money(row.cost_usd), true),
    cell(el("span", { class: row.status >= 400 ? "status-bad" : null, text: row.status + (row.usage_estimated ? " (est.)" : "") }), true),
    cell(count(row.latency_ms) + " ms", true)));
  const headers = ["Time", "Request", ...(admin ? ["Team"] : []), "Key", "Task", "Model", "Input ", "Cached ", "Cache write ",
    "Output ", "Reasoning ", "Cost ", "Status ", "Latency "];
  const kept = { ...filters, before: null };
  app.replaceChildren(
    el("h1", { text: "Requests" }),
    el("p", { class: "muted", text: "The latest usage rows, newest first. Prompts and answers are never stored, so never shown." }),
    form,
    panel(filters.before ? "Older requests" : "Latest requests", table("requests", headers, rows, "No requests match.")),
    el("div", { class: "pager" },
      filters.before ? el("a", { id: "newest", href: "/dashboard/requests" + query(kept), text: "← Newest" }) : null,
      page.has_more ? el("a", { id: "older", href: "/dashboard/requests" + query({ ...kept, before: page.next_cursor }), text: "Older →" }) : null));
}

async function routingPage(session) {
  if (session.kind !== "admin") {
    app.replaceChildren(el("h1", { text: "Routing" }), el("p", { class: "error", text: "Routing is the admin's view." }));
    return;
  }
  const [deployments, routes] = await Promise.all([api("/admin/deployments"), api("/admin/spend?group_by=route")]);
  const rows = deployments.data.map((d) => el("tr", { "data-deployment": d.id },
    cell(el("code", { text: d.id })), cell(d.provider), cell(d.model), cell(count(d.weight), true),
    cell(el("span", { class: "state-" + d.state, text: d.state.replace("_", " ") })),
    cell(d.cooling_down_until ? timeIn("UTC", d.cooling_down_until) : "—"), cell(count(d.failures_in_a_row), true),
    cell(count(d.recent_successes), true), cell(count(d.recent_errors), true),
    cell(d.median_latency_ms === null ? "—" : count(d.median_latency_ms) + " ms", true)));
  app.replaceChildren(
    el("h1", { text: "Routing" }),
    panel("Deployments", table("deployments",
      ["Deployment", "Provider", "Model", "Weight ", "State", "Resting until", "Failures in a row ", "Recent successes ", "Recent errors ", "Median latency "],
      rows, "No deployments.")),
    panel("Spend by route this month (UTC)", topTable("routes", routes.rows, (row) => row.route)));
}

async function whatIfPage(session) {
  const admin = session.kind === "admin";
  const search = new URLSearchParams(location.search);
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86400000).toISOString().slice(0, 10);
  const filters = {
    task: search.get("task") || null, team_id: admin ? search.get("team_id") || null : null, key_id: search.get("key_id") || null,
    model: search.get("model") || null, from: search.get("from") || monthAgo, to: search.get("to") || today,
  };
  const to = new Date(new Date(filters.to + "T00:00:00Z").getTime() + 86400000).toISOString().slice(0, 10);
  const [tasks, models, teams, keys] = await Promise.all([
    api((admin ? "/admin/spend" : "/v1/spend") + query({ group_by: "task", from: filters.from, to })),
    admin ? api("/admin/prices") : api("/v1/models"),
    admin ? api("/admin/teams") : null,
    admin ? api("/admin/keys") : api("/v1/team"),
  ]);
  const modelNames = [...new Set(models.data.map((m) => m.model ?? m.id))].sort();
  const select = (name, options) => el("select", { name },
    el("option", { value: "", text: "any" }),
    options.map(([value, label]) => el("option", { value, selected: value === filters[name], text: label })));
  const form = el("form", { class: "filters", method: "get", action: "/dashboard/what-if", id: "what-if-form" },
    el("label", {}, "Task", select("task", tasks.rows.map((row) => [row.task, row.task]))),
    admin ? el("label", {}, "Team", select("team_id", teams.data.map((team) => [team.id, team.name]))) : null,
    el("label", {}, "Key", select("key_id", (admin ? keys.data : keys.keys).map((key) => [key.id, key.name]))),
    el("label", {}, "Priced at model", el("input", { name: "model", list: "models", required: true, value: filters.model ?? "", size: 18 }),
      el("datalist", { id: "models" }, modelNames.map((name) => el("option", { value: name })))),
    el("label", {}, "From", el("input", { name: "from", type: "date", value: filters.from })),
    el("label", {}, "To (inclusive)", el("input", { name: "to", type: "date", value: filters.to })),
    el("button", { type: "submit", class: "primary", text: "Compare" }));
  const parts = [el("h1", { text: "What if" }),
    el("p", { class: "muted", text: "What this traffic would have cost on another model, from its stored token buckets at that model's prices." }), form];
  if (filters.model) {
    const result = await api((admin ? "/admin/what-if" : "/v1/what-if") + query({ ...filters, to }));
    parts.push(el("div", { class: "cards" },
      el("div", { class: "card" }, "Requests", el("div", { class: "value", id: "what-if-requests", text: count(result.requests) })),
      el("div", { class: "card" }, "It cost", el("div", { class: "value", id: "what-if-cost" }, money(result.cost_usd))),
      el("div", { class: "card" }, `On ${result.model}`, el("div", { class: "value", id: "what-if-other" }, money(result.what_if_cost_usd))),
      el("div", { class: "card" }, "Difference", el("div", { class: "value", id: "what-if-difference" }, money(result.difference_usd)))));
    parts.push(panel("By model served", table("what-if", ["Model", "Provider", "Requests ", "Input ", "Output ", "Cost ", `On ${result.model} `],
      result.by_model.map((line) => el("tr", {}, cell(line.model), cell(line.provider), cell(count(line.requests), true),
        cell(count(line.input_tokens), true), cell(count(line.output_tokens), true), cell(money(line.cost_usd), true),
        cell(money(line.what_if_cost_usd), true))), "No requests match.")));
    parts.push(panel("Buckets the model cannot price",
      result.unpriced_buckets.length === 0
        ? el("p", { class: "muted", id: "unpriced-buckets", text: "None: every token is priced." })
        : el("ul", { id: "unpriced-buckets" }, result.unpriced_buckets.map((bucket) =>
          el("li", { "data-bucket": bucket.bucket, text: `${bucket.bucket}: ${count(bucket.tokens)} tokens, not priced (${bucket.reason})` })))));
  }
  app.replaceChildren(...parts);
}

// MARK: Start

async function start() {
  let session;
  try {
    session = await api("/dashboard/session");
  } catch {
    return;
  }
  const path = location.pathname.replace(/\/+$/, "");
  const links = [["/dashboard", "Overview"]];
  if (session.kind === "team") links.push([`/dashboard/teams/${session.team_id}`, "Team"]);
  links.push(["/dashboard/requests", "Requests"]);
  if (session.kind === "admin") links.push(["/dashboard/routing", "Routing"]);
  links.push(["/dashboard/what-if", "What if"]);
  document.getElementById("nav").replaceChildren(...links.map(([href, label]) =>
    el("a", { href, class: href === path ? "active" : null, text: label })));
  document.getElementById("who").textContent = session.kind === "admin" ? "Admin" : `${session.team} · key ${session.key}`;
  try {
    const team = path.match(/^\/dashboard\/teams\/([^/]+)$/);
    if (team) await teamPage(session, decodeURIComponent(team[1]));
    else if (path === "/dashboard/requests") await requestsPage(session);
    else if (path === "/dashboard/routing") await routingPage(session);
    else if (path === "/dashboard/what-if") await whatIfPage(session);
    else await overview(session);
    document.body.dataset.ready = "true";
  } catch (error) {
    app.replaceChildren(el("p", { class: "error", role: "alert", text: error.message }));
    document.body.dataset.ready = "error";
  }
}

start();
