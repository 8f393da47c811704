r"""The page side of :mod:`emp_theory.viz.explorer`: its HTML, CSS and JavaScript.

:func:`page_html` writes the fragment (sliders, input boxes, the plot ``div``, the
readout table of :data:`ROWS`, the data as JSON and :data:`SCRIPT`). The script runs in
the book's page, offline, with the plotly.js the book serves; ``__ID__`` is replaced by
the explorer's ``div`` id. It

* reads the explorer's JSON (``<script type="application/json" id="ID-data">``);
* evaluates the library's closed forms as the paper writes them -- Algorithm 1's kept
  count (:func:`emp_theory.effective.keep_count`, its guarded floor), eq. 13
  (:func:`~emp_theory.bounds.trivial_bound`), eq. 14-15
  (:func:`~emp_theory.bounds.prop1_infimum`), eq. 18 both forms
  (:func:`~emp_theory.bounds.normalized_loss_bound`) and eq. 17 with the distance
  bound (:func:`emp_theory.viz.explorer.kept_loss_bound`) -- and the exact
  :math:`\beta`-bound of :func:`emp_theory.certificate.beta_bound`: the minimum over
  the vertices :math:`\zeta_{[\nu]}`, :math:`\zeta_{[\nu+1]}` and the edges
  :math:`[\zeta_{[1]}, \zeta_{[j]}]` where they cross the spheres
  :math:`\|\omega\|^2 = 1/(\nu+1)` and :math:`1/\nu`, searched by the same branch and
  bound over :math:`j` (intervals discarded when their lower bound is within
  :math:`10^{-15}` of the best value; leaves of 4096 indices scanned), so the page's
  value is within :math:`10^{-15}` of the library's. The library also compensates the
  cancellation in :math:`N(1-\rho) - 1` and :math:`1 - \sqrt{x}`; where that matters
  the values are tiny, and page and library agree to :math:`10^{-9}` (absolute below 1,
  relative above; ``tests/viz/test_explorer.py`` runs this code in Node);
* draws the curves of the (N, β) pair the two sliders select from the precomputed
  grid, and, for a typed pair off the grid, computes them with those functions;
* prints the values at the typed point (12 significant digits) and marks it on the
  curves.

``root.empExplorer`` exposes ``point``, ``curves``, ``state`` and ``show`` for the
browser test (``tests/book/test_bounds_explorer.py``).

The module is longer than 400 lines because it is one piece: the fragment's template,
the plotly figure it holds and the script that drives both refer to each other's roles,
trace indices and keys, and read best side by side.
"""

from __future__ import annotations

import json

__all__ = ["ROWS", "SCRIPT", "STYLE", "figure_json", "page_html"]

#: Trace colours (as in the chapter's other bound figures).
_C = {
    "guarantee": "#d62728",
    "theorem2": "#1f77b4",
    "trivial": "#7f7f7f",
    "naive": "#8c564b",
    "loss_eq18": "#1f77b4",
    "loss_exact": "#ff7f0e",
    "loss_beta": "#d62728",
}

#: The readout table: (key of point_values, label), in order.
ROWS = (
    ("k", "kept entries k = clip(⌊β N<sub>eff</sub>⌋, 1, N) (Algorithm 1)"),
    ("rho", "ρ = N<sub>eff</sub>/N"),
    ("trivial", "trivial bound k/N (eq. 13)"),
    ("theorem2", "Theorem 2 at N<sub>eff</sub> (β = 1; eq. 14-15)"),
    ("guarantee", "guarantee m<sub>k</sub>(N<sub>eff</sub>, N) (exact β-bound)"),
    ("naive", "eq. 14 with ν := k (naive substitution)"),
    ("naive_excess", "naive − guarantee (&gt; 0: the substitution overstates)"),
    ("loss_eq18", "normalized loss bound, eq. 18 (≈ form of eq. 15)"),
    ("loss_exact", "normalized loss bound, eq. 17 with exact eq. 15"),
    ("loss_beta", "normalized loss bound, eq. 17 with the β guarantee"),
)

#: The fragment's CSS, scoped to its ``div`` (``#ID``).
STYLE = """#ID .emp-ex-row{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;margin:.4rem 0}
#ID .emp-ex-row label{display:inline-flex;gap:.4rem;align-items:center}
#ID input[type=range]{width:min(20rem,62vw)}
#ID input[type=text]{width:8.5rem;font-family:monospace}
#ID output{font-family:monospace;min-width:7rem}
#ID .emp-ex-status{min-height:1.5em;margin:.2rem 0;font-size:.92em}
#ID .emp-ex-status.emp-ex-error{color:#b00020}
#ID .emp-ex-caption{margin:.2rem 0;font-size:.92em}
#ID table.emp-ex-readout td.emp-ex-num{font-family:monospace;text-align:right;white-space:nowrap}
#ID table.emp-ex-readout{font-size:.9em}"""


SCRIPT = r"""
(function () {
  "use strict";
  var ID = "__ID__";
  var root = document.getElementById(ID);
  var D = JSON.parse(document.getElementById(ID + "-data").textContent);
  var G = D.grid;
  var EPS = 2.220446049250313e-16, TOL = 1e-15, LEAF = 4096, BUDGET = 5e7;
  var MAX_N = 9007199254740992;  // 2**53, emp_theory.certificate.MAX_N

  // ---- the library's formulas ------------------------------------------------------------
  function keepCount(beta, nEff, N) {  // effective.keep_count: clip(floor_guarded(beta*N_eff, 2), 1, N)
    var x = beta * nEff, f = Math.floor(x);
    if (Math.floor(x * (1.0 + 4.0 * (2.0 + 1.0) * EPS)) > f) { f += 1; }
    return Math.min(Math.max(f, 1), N);
  }
  function prop1(v, n) {  // bounds.prop1_infimum (eq. 14); theorem2_bound at v = N_eff
    if (v === 1) { return 0.5; }
    if (v === n) { return 1.0; }
    var r = Math.sqrt(Math.max(n - v - 1.0, 0.0) / ((v + 1.0) * (n - 1.0)));
    return v / n + (n - v) / n * r;
  }
  function lossEq18(r, n, exact) {  // bounds.normalized_loss_bound
    var inner = exact
      ? Math.sqrt(Math.max(n * (1.0 - r) - 1.0, 0.0) / ((n * r + 1.0) * (n - 1.0)))
      : Math.sqrt((1.0 - r) / (n * r));
    var q = 1.0 - inner;
    return Math.pow(1.0 - r, 4) / (2.0 * r) * (q * q);
  }
  function keptLoss(m, k, n) {  // explorer.kept_loss_bound: eq. 17 with distance_bound(1, m, k, N)
    var r = k / n, q = 1.0 - m;
    var d = 1.0 * (q * q) * (n - k);
    return (1.0 - r) / (2.0 * n * r) * 1.0 * d;
  }
  function edge(j, m, k) {  // phi_k where [zeta_1, zeta_j] meets ||w||^2 = 1/m
    var u = (1.0 / m - 1.0 / j) / (1.0 - 1.0 / j);
    var a = Math.sqrt(Math.min(Math.max(u, 0.0), 1.0));
    return a + (1.0 - a) * (Math.min(k, j) / j);
  }
  function lower(j1, j2, m, k) {  // a lower bound of edge(j) over j1 <= j <= j2 (all > k)
    var u = (1.0 / m - 1.0 / j1) / (1.0 - 1.0 / j1);
    return k / j2 + Math.sqrt(Math.min(Math.max(u, 0.0), 1.0)) * (1.0 - k / j1);
  }
  function sphere(m, n, k, count) {  // certificate._best_on_sphere (value only)
    var lo = Math.max(m, k + 1, 2);
    if (lo > n || m === 1) { return Infinity; }
    var best = Math.min(edge(lo, m, k), edge(n, m, k));
    var stack = [[lo, n]];
    count.n += 2;
    while (stack.length) {
      var s = stack.pop(), j1 = s[0], j2 = s[1];
      if (lower(j1, j2, m, k) >= best - TOL) { continue; }
      if (j2 - j1 < LEAF) {
        for (var j = j1; j <= j2; j++) { var v = edge(j, m, k); if (v < best) { best = v; } }
        count.n += j2 - j1 + 1;
      } else {
        var mid = j1 + Math.floor((j2 - j1) / 2);
        best = Math.min(best, edge(mid, m, k), edge(mid + 1, m, k));
        count.n += 2;
        var a = [j1, mid], b = [mid + 1, j2];
        if (lower(a[0], a[1], m, k) <= lower(b[0], b[1], m, k)) { stack.push(b, a); }
        else { stack.push(a, b); }
      }
      if (count.n > BUDGET) { return NaN; }
    }
    return best;
  }
  function betaBound(v, n, k) {  // certificate.exact_infimum(v, N, k): m_k(v, N)
    if (v === n) { return k / n; }
    var c = {n: 0};
    var best = Math.min(Math.min(k, v) / v, Math.min(k, v + 1) / (v + 1));
    var s1 = sphere(v + 1, n, k, c), s2 = sphere(v, n, k, c);
    if (isNaN(s1) || isNaN(s2)) { return NaN; }
    return Math.min(best, s1, s2);
  }
  function point(N, nEff, beta) {  // explorer.point_values
    var k = keepCount(beta, nEff, N), rho = nEff / N;
    var g = betaBound(nEff, N, k), naive = prop1(k, N);
    return {
      k: k, rho: rho, trivial: k / N, theorem2: prop1(nEff, N), guarantee: g, naive: naive,
      naive_excess: naive - g, loss_eq18: lossEq18(rho, N, false),
      loss_exact: lossEq18(rho, N, true), loss_beta: isNaN(g) ? NaN : keptLoss(g, k, N)
    };
  }
  function intGrid(N, m) {  // like lower_bound_figs.int_grid
    if (N <= m) { var all = []; for (var i = 1; i <= N; i++) { all.push(i); } return all; }
    var h = Math.floor(m / 2), set = {1: 1, 2: 1}, out = [];
    set[N - 1] = 1; set[N] = 1;
    for (var t = 0; t < h; t++) {
      var f = h > 1 ? t / (h - 1) : 0;
      set[Math.round(Math.exp(f * Math.log(N)))] = 1;
      set[Math.round(1 + f * (N - 1))] = 1;
    }
    for (var key in set) { var v = Number(key); if (v >= 1 && v <= N) { out.push(v); } }
    return out.sort(function (p, q) { return p - q; });
  }

  // ---- grid lookup and curves ------------------------------------------------------------
  function indexOf(list, v) {
    for (var i = 0; i < list.length; i++) { if (Math.abs(list[i] - v) <= 1e-12) { return i; } }
    return -1;
  }
  var CURVE_KEYS = ["k", "rho", "guarantee", "theorem2", "trivial", "naive",
                    "loss_eq18", "loss_exact", "loss_beta"];
  function curves(N, beta) {
    var iN = indexOf(G.Ns, N), iB = indexOf(G.betas, beta);
    if (iN >= 0 && iB >= 0) {
      var c = G.curves[iN], b = c.by_beta[iB];
      return {source: "grid", rho: c.rho, theorem2: c.theorem2, loss_eq18: c.loss_eq18,
              loss_exact: c.loss_exact, k: b.k, guarantee: b.guarantee, trivial: b.trivial,
              naive: b.naive, loss_beta: b.loss_beta};
    }
    var out = {source: "page"};
    CURVE_KEYS.forEach(function (key) { out[key] = []; });
    intGrid(N, G.max_points).forEach(function (v) {
      var p = point(N, v, beta);
      CURVE_KEYS.forEach(function (key) { out[key].push(isNaN(p[key]) ? null : p[key]); });
    });
    return out;
  }

  // ---- the page ----------------------------------------------------------------------
  function el(role) { return root.querySelector('[data-role="' + role + '"]'); }
  var plot = el("plot"), nSlider = el("n-slider"), bSlider = el("beta-slider");
  var nBox = el("n-input"), vBox = el("neff-input"), bBox = el("beta-input"), status = el("status");
  var state = {N: D.active.N, beta: D.active.beta, nEff: D.active.n_eff};
  var revision = 0;

  function fmt(x) {
    if (x === null || typeof x !== "number" || isNaN(x)) { return "not computed"; }
    if (Number.isInteger(x) && Math.abs(x) < 1e15) { return String(x); }
    return String(Number(x.toPrecision(12)));
  }
  function label(x) { return String(Number(x.toPrecision(6))); }
  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("emp-ex-error", !!isError);
  }
  function syncControls() {
    var iN = indexOf(G.Ns, state.N), iB = indexOf(G.betas, state.beta);
    if (iN >= 0) { nSlider.value = String(iN); }
    if (iB >= 0) { bSlider.value = String(iB); }
    el("n-value").textContent = String(state.N) + (iN >= 0 ? "" : " (typed)");
    el("beta-value").textContent = label(state.beta) + (iB >= 0 ? "" : " (typed)");
    nBox.value = String(state.N);
    vBox.value = String(state.nEff);
    bBox.value = String(state.beta);
  }
  function render() {
    var c = curves(state.N, state.beta), p = point(state.N, state.nEff, state.beta);
    var data = D.figure.data.map(function (t) { return Object.assign({}, t); });
    var set = function (i, y) { data[i].x = c.rho; data[i].y = y; data[i].customdata = c.k; };
    set(0, c.guarantee); set(1, c.theorem2); set(2, c.trivial); set(3, c.naive);
    set(5, c.loss_eq18); set(6, c.loss_exact); set(7, c.loss_beta);
    data[4].x = [p.rho, p.rho, p.rho, p.rho];
    data[4].y = [p.guarantee, p.theorem2, p.trivial, p.naive];
    data[4].text = ["guarantee", "Theorem 2", "trivial k/N", "eq. 14, ν := k"];
    data[8].x = [p.rho, p.rho, p.rho];
    data[8].y = [p.loss_eq18, p.loss_exact, p.loss_beta];
    data[8].text = ["eq. 18", "eq. 17, exact eq. 15", "eq. 17, β guarantee"];
    var layout = Object.assign({}, D.figure.layout), xlog = el("xlog").checked;
    var xaxis = xlog ? {type: "log", autorange: true} : {type: "linear", range: [0, 1.01]};
    layout.xaxis = Object.assign({}, layout.xaxis, xaxis);
    layout.xaxis2 = Object.assign({}, layout.xaxis2, xaxis);
    layout.uirevision = xlog ? "log" : "linear";  // keeps the reader's zoom across moves
    revision += 1;
    layout.datarevision = revision;
    layout.title = Object.assign({}, layout.title, {text:
      "N = " + state.N + ", β = " + label(state.beta) + " (k = ⌊β N<sub>eff</sub>⌋ kept)"});
    Plotly.react(plot, data, layout, {displaylogo: false, responsive: true});
    el("caption").innerHTML = "Your point (diamonds): N<sub>eff</sub> = " + state.nEff +
      ", ρ = " + label(p.rho) + ", k = " + p.k + ". Curves: " +
      (c.source === "grid" ? "precomputed by emp_theory when the book was built."
                           : "computed in this page (N or β is not a slider value).");
    D.keys.forEach(function (key) {
      var cell = root.querySelector('td[data-key="' + key + '"]');
      cell.textContent = fmt(p[key]);
      cell.setAttribute("data-value", String(p[key]));
    });
    syncControls();
    return {c: c, p: p};
  }
  function parseInteger(text) {
    var s = String(text).trim();
    if (!/^[+]?(\d+(\.\d*)?|\.\d+)([eE][+]?\d+)?$/.test(s)) { return NaN; }
    var x = Number(s);
    return Number.isInteger(x) ? x : NaN;
  }
  function show(N, nEff, beta) {  // validate like emp_theory._validation; then draw
    if (!(Number.isInteger(N) && N >= 2 && N <= MAX_N)) {
      setStatus("N must be an integer from 2 to 2^53.", true); return false;
    }
    if (!(Number.isInteger(nEff) && nEff >= 1 && nEff <= N)) {
      setStatus("N_eff must be an integer in [1, N] = [1, " + N + "].", true); return false;
    }
    if (!(typeof beta === "number" && isFinite(beta) && beta > 0)) {
      setStatus("β must be a finite positive number.", true); return false;
    }
    state.N = N; state.nEff = nEff; state.beta = beta;
    var r = render();
    setStatus(isNaN(r.p.guarantee)
      ? "The exact β-bound needs more evaluations than the page allows: not computed."
      : (r.c.source === "grid" ? "" : "N or β is outside the precomputed grid: " +
         "the curves and values are computed in this page (closed forms and exact β-bound)."),
      false);
    return true;
  }
  function fromBoxes(ev) {
    if (ev) { ev.preventDefault(); }
    var b = String(bBox.value).trim();
    show(parseInteger(nBox.value), parseInteger(vBox.value),
         /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(b) ? Number(b) : NaN);
  }
  nSlider.addEventListener("input", function () {
    var N = G.Ns[Number(nSlider.value)], rho = state.nEff / state.N;
    show(N, Math.min(Math.max(Math.round(rho * N), 1), N), state.beta);
  });
  bSlider.addEventListener("input", function () {
    show(state.N, state.nEff, G.betas[Number(bSlider.value)]);
  });
  el("form").addEventListener("submit", fromBoxes);  // Enter in a box, or the button
  el("xlog").addEventListener("change", function () { render(); });

  root.empExplorer = {point: point, curves: curves, state: state, show: show};
  function start() {
    if (window.Plotly) { show(state.N, state.nEff, state.beta); return; }
    if (document.readyState !== "complete") { window.addEventListener("load", start, {once: true}); }
    else { setStatus("plotly.js is not loaded: the explorer cannot draw.", true); }
  }
  start();
})();
"""


def page_html(data: dict, div_id: str) -> str:
    """The explorer's HTML fragment: controls, plot ``div``, readout, JSON data and script."""
    g, act = data["grid"], data["active"]
    i_n, i_b = g["Ns"].index(act["N"]), g["betas"].index(act["beta"])
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    rows = "".join(
        f'<tr><td>{label}</td><td class="emp-ex-num" data-key="{key}"></td></tr>'
        for key, label in ROWS
    )
    i = div_id
    return f"""<div class="emp-explorer" id="{i}">
<style>{STYLE.replace("#ID", "#" + i)}</style>
<div class="emp-ex-row">
<label>N <input type="range" data-role="n-slider" min="0" max="{len(g["Ns"]) - 1}" step="1" \
value="{i_n}" aria-label="N (number of scores)"></label><output data-role="n-value">{act["N"]}</output>
<label>β <input type="range" data-role="beta-slider" min="0" max="{len(g["betas"]) - 1}" step="1" \
value="{i_b}" aria-label="beta"></label><output data-role="beta-value">{act["beta"]:g}</output>
<label><input type="checkbox" data-role="xlog"> log ρ axis</label>
</div>
<form class="emp-ex-row" data-role="form" autocomplete="off">
<label>N <input type="text" inputmode="numeric" data-role="n-input" value="{act["N"]}" \
aria-label="N"></label>
<label>N<sub>eff</sub> (= ν) <input type="text" inputmode="numeric" data-role="neff-input" \
value="{act["n_eff"]}" aria-label="N_eff"></label>
<label>β <input type="text" inputmode="decimal" data-role="beta-input" value="{act["beta"]:g}" \
aria-label="beta (typed)"></label>
<button type="submit" data-role="compute">Compute</button>
</form>
<p class="emp-ex-status" data-role="status" role="status" aria-live="polite"></p>
<p class="emp-ex-caption" data-role="caption"></p>
<div id="{i}-plot" class="plotly-graph-div" data-role="plot" style="height:{data["height"]}px;\
 width:100%;"></div>
<table class="emp-ex-readout" data-role="readout"><thead><tr><th>at your point</th>\
<th>value</th></tr></thead><tbody>{rows}</tbody></table>
<script type="application/json" id="{i}-data">{payload}</script>
<script>{SCRIPT.replace("__ID__", i)}</script>
</div>"""


def figure_json(height: int) -> dict:
    """The explorer's plotly figure as JSON: layout and nine empty traces the script fills.

    Top panel: guarantee, Theorem 2, trivial bound, substitution, the typed point;
    bottom panel: eq. 18, eq. 17 with exact eq. 15, eq. 17 with the guarantee, the point.
    """
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=(
            "kept mass of the k largest weights",
            "loss bound ε / (‖θ*‖₁² Tr H), log axis",
        ),
    )
    line = {"mode": "lines+markers", "marker": {"size": 4}}
    top = [
        ("guarantee", "guarantee m<sub>k</sub>(N<sub>eff</sub>, N), exact β-bound", 3, None),
        ("theorem2", "Theorem 2 (β = 1, eq. 14-15)", 2, None),
        ("trivial", "trivial bound k/N (eq. 13)", 2, "dot"),
        ("naive", "eq. 14 with ν := k (naive; no bound for β < 1)", 2, "dash"),
    ]
    for key, name, width, dash in top:
        fig.add_trace(
            go.Scatter(
                x=[],
                y=[],
                name=name,
                line={"color": _C[key], "width": width, "dash": dash},
                hovertemplate="ρ = %{x}, k = %{customdata}: %{y}<extra></extra>",
                legendgroup="top",
                **line,
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=[],
            y=[],
            mode="markers",
            name="your point",
            marker={
                "size": 11,
                "symbol": "diamond",
                "color": [_C[k] for k, *_ in top],
                "line": {"color": "black", "width": 1},
            },
            hovertemplate="%{text}: %{y}<extra></extra>",
            legendgroup="point",
        ),
        row=1,
        col=1,
    )
    bottom = [
        ("loss_eq18", "eq. 18 (paper, ≈ form of eq. 15)", 2, None),
        ("loss_exact", "eq. 17 with exact eq. 15 (β = 1)", 2, "dash"),
        ("loss_beta", "eq. 17 with the β guarantee (k kept)", 3, None),
    ]
    for key, name, width, dash in bottom:
        fig.add_trace(
            go.Scatter(
                x=[],
                y=[],
                name=name,
                line={"color": _C[key], "width": width, "dash": dash},
                hovertemplate="ρ = %{x}: %{y}<extra></extra>",
                legendgroup="bottom",
                **line,
            ),
            row=2,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=[],
            y=[],
            mode="markers",
            name="your point (loss)",
            showlegend=False,
            marker={
                "size": 11,
                "symbol": "diamond",
                "color": [_C[k] for k, *_ in bottom],
                "line": {"color": "black", "width": 1},
            },
            hovertemplate="%{text}: %{y}<extra></extra>",
            legendgroup="point",
        ),
        row=2,
        col=1,
    )
    fig.update_xaxes(range=[0, 1.01], row=1, col=1)
    fig.update_xaxes(title_text="ρ = N<sub>eff</sub>/N", range=[0, 1.01], row=2, col=1)
    fig.update_yaxes(title_text="kept mass", range=[0, 1.03], row=1, col=1)
    fig.update_yaxes(title_text="ε / (‖θ*‖₁² Tr H)", type="log", exponentformat="power", row=2)
    fig.update_layout(
        title={"text": "", "font": {"size": 14}},
        height=height,
        margin={"t": 60, "l": 60, "r": 20, "b": 40},
        legend={"orientation": "h", "x": 0, "y": -0.1, "yanchor": "top", "font": {"size": 11}},
        template="plotly_white",
    )
    return json.loads(pio.to_json(fig, validate=True))
