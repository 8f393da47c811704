/* emp_theory book: a few fixes to the theme, loaded by every page (no remote assets).
 *
 * 1. Sidebar toggles. pydata-sphinx-theme 0.17 renders a second `.primary-toggle`
 *    (and `.secondary-toggle`) in the hidden header navbar, before the article-header
 *    buttons of sphinx-book-theme; both themes' scripts bind only the first match of
 *    `document.querySelector`, so the visible buttons did nothing at any width
 *    (pydata-sphinx-theme issue #2451). A click on any other toggle is forwarded to the
 *    bound one: at >= 992 px sphinx-book-theme collapses/expands the sidebar, below it
 *    pydata-sphinx-theme opens the sidebar as a dialog.
 * 2. Search results. Sphinx builds the summaries (and the titles) from the pages'
 *    text, where math is still TeX source (`\(A_\nu\)`): displayed equations are
 *    dropped from the summaries, inline math is written as plain text (A_ν).
 * 3. Figures on narrow screens. Below 640 px a plotly legend placed inside the plot
 *    (or beside it, taking half of the width) is moved under the plot, in rows, and the
 *    figure's title and its subplot titles get a smaller font and are wrapped to their
 *    width, so that neither covers the data or each other; the figure grows to fit.
 */
(() => {
  "use strict";

  const ready = (fn) => {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  };

  // -- 1. sidebar toggles ---------------------------------------------------------
  const forwardToggles = () => {
    for (const cls of ["primary-toggle", "secondary-toggle"]) {
      const [bound, ...others] = document.querySelectorAll(`.${cls}`);
      for (const button of others) {
        button.addEventListener("click", (event) => {
          event.preventDefault();
          event.stopPropagation();
          bound.click();
        });
      }
    }
  };

  // -- 2. search results without TeX ------------------------------------------------
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε",
    zeta: "ζ", eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
    xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ",
    psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Pi: "Π",
    Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω", le: "≤", leq: "≤", ge: "≥", geq: "≥",
    ne: "≠", neq: "≠", approx: "≈", times: "×", cdot: "·", cdots: "⋯", ldots: "…",
    dots: "…", infty: "∞", sum: "Σ", prod: "∏", in: "∈", to: "→", rightarrow: "→",
    mapsto: "↦", lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉", sqrt: "√",
    partial: "∂", nabla: "∇", pm: "±", mid: "|", lvert: "|", rvert: "|", Vert: "‖",
    lVert: "‖", rVert: "‖", langle: "⟨", rangle: "⟩", quad: " ", qquad: " ",
  };
  const texToText = (tex) =>
    tex
      .replace(/^\s*\\[([]|\\[)\]]\s*$/g, "")
      .replace(/\\(?:mathrm|text|textrm|mathbf|mathit|operatorname|boldsymbol)\s*\{([^{}]*)\}/g, "$1")
      .replace(/\\(?:left|right|big|Big|bigg|Bigg|displaystyle|,|;|!|:)/g, "")
      .replace(/\\([A-Za-z]+)/g, (m, name) => SYMBOLS[name] ?? name)
      .replace(/\\(.)/g, "$1")
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ")
      .trim();

  const cleanSearch = () => {
    if (typeof Search === "undefined" || !Search.htmlToText) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll("div.math, .plotly-graph-div").forEach((e) => e.remove());
      doc.querySelectorAll("span.math").forEach((e) => {
        e.textContent = texToText(e.textContent);
      });
      return original(doc.documentElement.outerHTML, anchor);
    };
    // result titles come from the search index, which keeps the TeX of headings
    const results = document.getElementById("search-results");
    if (!results) return;
    const fix = (root) =>
      root.querySelectorAll("li > a").forEach((a) => {
        if (/\\[A-Za-z()[\]]/.test(a.textContent)) a.textContent = texToText(a.textContent);
      });
    fix(results);
    new MutationObserver(() => fix(results)).observe(results, { childList: true, subtree: true });
  };

  // -- 3. figures on narrow screens -------------------------------------------------
  const NARROW = 640;
  const MIN_PLOT_HEIGHT = 240;
  const adapted = new WeakSet();
  // Break `text` (plotly's HTML-ish labels: <br>, <sub>, ...) into lines of at most
  // `max` visible characters, at spaces.
  const wrap = (text, max) =>
    String(text)
      .split(/<br\s*\/?>/i)
      .map((line) => {
        const out = [];
        let cur = "";
        for (const word of line.split(" ")) {
          const visible = (cur + " " + word).replace(/<[^>]*>/g, "").trim().length;
          if (cur && visible > max) {
            out.push(cur);
            cur = word;
          } else {
            cur = cur ? `${cur} ${word}` : word;
          }
        }
        out.push(cur);
        return out.join("<br>");
      })
      .join("<br>");
  const lines = (text) => String(text).split(/<br\s*\/?>/i).length;

  // One row of 2-3 cartesian subplots (only scatter and bar traces) as a column: the
  // layout update, and the new height of the plotting area; null if not such a figure.
  const GAP = 90; // px between stacked panels: ticks, axis title, the next subplot title
  const stackColumns = (gd, fl, anns, panelHeight) => {
    const simple = gd.data.every((t) => !t.type || t.type === "scatter" || t.type === "bar");
    if (!simple || Object.keys(fl).some((k) => /^(scene|geo|polar|ternary|map)/.test(k))) {
      return null;
    }
    const xs = Object.keys(fl).filter((k) => /^xaxis\d*$/.test(k));
    const cols = xs.map((k) => ({ x: k, y: `yaxis${fl[k].anchor.slice(1)}`, dom: fl[k].domain }));
    if (cols.length < 2 || cols.length > 3 || cols.some((c) => !fl[c.y])) return null;
    const ydoms = new Set(cols.map((c) => fl[c.y].domain.join(",")));
    if (ydoms.size !== 1) return null;
    cols.sort((a, b) => a.dom[0] - b.dom[0]);
    const n = cols.length;
    const total = n * panelHeight + (n - 1) * GAP;
    const update = {};
    cols.forEach((c, i) => {
      const top = 1 - (i * (panelHeight + GAP)) / total;
      const bottom = top - panelHeight / total;
      update[`${c.x}.domain`] = [0, 1];
      update[`${c.y}.domain`] = [bottom, top];
      update[`${c.y}.showticklabels`] = true;
      anns.forEach((a) => {
        const isTitle = a.xref === "paper" && a.yref === "paper" && a.y >= 0.99;
        if (isTitle && a.x >= c.dom[0] - 0.01 && a.x <= c.dom[1] + 0.01) {
          a.x = 0.5;
          a.xanchor = "center";
          a.y = top;
          a.yanchor = "bottom";
        }
      });
    });
    return { update, plotHeight: total };
  };

  // Resize the figure, and the fixed-height box plotly.py wraps it in, to `height`.
  const setHeight = (gd, update, height) => {
    update.height = height;
    const box = gd.parentElement;
    if (box && box.style.height) box.style.height = `${height}px`;
  };

  const adaptFigure = async (gd) => {
    const Plotly = window.Plotly;
    const fl = gd._fullLayout;
    if (!fl || !Plotly || adapted.has(gd)) return;
    adapted.add(gd);
    const update = {};
    const plotWidth = fl._size.w;
    // kept (the figure grows by what the margins gain), and at least MIN_PLOT_HEIGHT px
    let plotHeight = Math.max(fl._size.h, MIN_PLOT_HEIGHT);
    const atTop = (o) => o.yref !== "container" && o.y >= 0.99;
    let band = 0; // px above the plot taken by subplot titles and menus
    const anns = (gd.layout.annotations || []).map((a) => ({ ...a }));

    // side-by-side panels (one row of 2 or 3 subplots of lines, markers or bars) are
    // stacked, one above the other, each as wide as the figure
    const stack = stackColumns(gd, fl, anns, plotHeight);
    if (stack) {
      Object.assign(update, stack.update);
      plotHeight = stack.plotHeight;
    }

    // subplot titles and other notes above the plot: smaller, wrapped to their column
    const perRow = {};
    anns.forEach((a) => {
      if (a.xref === "paper" && a.yref === "paper") perRow[a.y] = (perRow[a.y] || 0) + 1;
    });
    let topLines = 0;
    anns.forEach((a) => {
      a.font = { ...(a.font || {}), size: Math.min((a.font && a.font.size) || 12, 10) };
      if (a.xref !== "paper" || a.yref !== "paper" || typeof a.text !== "string") return;
      const column = plotWidth / (perRow[a.y] || 1) - 8;
      a.text = wrap(a.text, Math.max(8, Math.floor(column / (10 * 0.58))));
      if (atTop(a) && a.yanchor === "bottom") topLines = Math.max(topLines, lines(a.text));
    });
    if (anns.length) update.annotations = anns;
    // axis titles and tick labels: smaller
    Object.keys(fl)
      .filter((k) => /^[xy]axis\d*$/.test(k))
      .forEach((k) => {
        update[`${k}.tickfont.size`] = 9;
        update[`${k}.title.font.size`] = 11;
      });
    if (topLines) band = topLines * 13 + 4;

    // menus above the plot, stacked above the subplot titles; a row of buttons wider
    // than the figure becomes a column (its `type` stays: plotly leaves the old
    // buttons on the page when a relayout turns them into a drop-down)
    const menus = (gd.layout.updatemenus || []).map((m) => {
      if (!atTop(m)) return m;
      const labels = (m.buttons || []).map((b) => String(b.label || ""));
      const rowWidth = labels.reduce((w, l) => w + l.length * 6.5 + 22, 0);
      const column = (m.type || "dropdown") === "buttons" && rowWidth > fl.width - 20;
      const menu = { ...m, x: 0, xanchor: "left", y: 1 + (band + 4) / plotHeight, yanchor: "bottom" };
      if (column) menu.direction = "down";
      band += column ? 28 * labels.length + 4 : 32;
      return menu;
    });
    if (menus.length) update.updatemenus = menus;

    // the title: smaller, wrapped to the width, at the top of the figure
    let titleHeight = 0;
    const t = gd.layout.title;
    const title = typeof t === "string" ? t : t && t.text;
    if (title) {
      const wrapped = wrap(title, Math.floor((fl.width - 24) / (13 * 0.58)));
      Object.assign(update, {
        "title.text": wrapped,
        "title.font.size": 13,
        "title.x": 0.02,
        "title.xanchor": "left",
        "title.xref": "container",
        "title.y": 1,
        "title.yanchor": "top",
        "title.yref": "container",
        "title.pad.t": 14,
      });
      titleHeight = lines(wrapped) * 17 + 18;
    }
    const top = Math.max(titleHeight + band + 6, 20);
    update["margin.t"] = top;
    setHeight(gd, update, plotHeight + top + fl.margin.b);

    // the legend: in rows under the plot, not over it or beside it
    if (fl.showlegend) {
      Object.assign(update, {
        "legend.orientation": "h",
        "legend.x": 0,
        "legend.xanchor": "left",
        "legend.xref": "container",
        "legend.y": 0,
        "legend.yanchor": "bottom",
        "legend.yref": "container",
        "legend.font.size": 10,
      });
    }
    await Plotly.relayout(gd, update);
    // a slider's frames may set a new, unwrapped title: wrap it again
    if (title && typeof gd.on === "function") {
      gd.on("plotly_animated", () => {
        const now = gd.layout.title && gd.layout.title.text;
        const again = now && wrap(now, Math.floor((fl.width - 24) / (13 * 0.58)));
        if (again && again !== now) Plotly.relayout(gd, { "title.text": again });
      });
    }
    if (fl.showlegend) {
      const legend = gd.querySelector(".infolayer .legend");
      const h = legend ? legend.getBoundingClientRect().height + 8 : 0;
      if (h > 8) {
        const more = { "margin.b": gd._fullLayout.margin.b + h };
        setHeight(gd, more, gd._fullLayout.height + h);
        await Plotly.relayout(gd, more);
      }
    }
  };
  // window.empFiguresAdapted: settles when the figures are adapted (the browser test waits)
  const adaptFigures = () => {
    if (window.innerWidth >= NARROW || !window.Plotly) return;
    const done = Array.from(document.querySelectorAll(".js-plotly-plot")).map((gd) =>
      adaptFigure(gd).catch((err) => console.warn("[emp] figure not adapted:", err)),
    );
    window.empFiguresAdapted = Promise.all([window.empFiguresAdapted, ...done]);
  };

  ready(() => {
    forwardToggles();
    cleanSearch();
    adaptFigures();
    window.addEventListener("load", adaptFigures);
    // debounced: a page turned to portrait is adapted once it has settled (and a
    // momentary resize, as a full-page screenshot makes, changes nothing)
    let timer = null;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(adaptFigures, 400);
    });
  });
})();
