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
    const plotHeight = fl._size.h; // kept: the figure grows by what the margins gain
    const atTop = (o) => o.yref !== "container" && o.y >= 0.99;
    let band = 0; // px above the plot taken by subplot titles and menus

    // subplot titles and other notes above the plot: smaller, wrapped to their column
    const anns = gd.layout.annotations || [];
    const perRow = {};
    anns.forEach((a) => {
      if (a.xref === "paper" && a.yref === "paper") perRow[a.y] = (perRow[a.y] || 0) + 1;
    });
    let topLines = 0;
    anns.forEach((a, k) => {
      update[`annotations[${k}].font.size`] = Math.min((a.font && a.font.size) || 12, 10);
      if (a.xref !== "paper" || a.yref !== "paper" || typeof a.text !== "string") return;
      const column = plotWidth / (perRow[a.y] || 1) - 8;
      const wrapped = wrap(a.text, Math.max(8, Math.floor(column / (10 * 0.58))));
      update[`annotations[${k}].text`] = wrapped;
      if (atTop(a) && a.yanchor === "bottom") topLines = Math.max(topLines, lines(wrapped));
    });
    if (topLines) band = topLines * 13 + 4;

    // menus above the plot: drop-downs (a row of buttons is wider than a phone), stacked
    // above the subplot titles
    (gd.layout.updatemenus || []).forEach((m, k) => {
      if (!atTop(m)) return;
      Object.assign(update, {
        [`updatemenus[${k}].type`]: "dropdown",
        [`updatemenus[${k}].direction`]: "down",
        [`updatemenus[${k}].x`]: 0,
        [`updatemenus[${k}].xanchor`]: "left",
        [`updatemenus[${k}].y`]: 1 + (band + 4) / plotHeight,
        [`updatemenus[${k}].yanchor`]: "bottom",
      });
      band += 32;
    });

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
  const adaptFigures = () => {
    if (window.innerWidth >= NARROW || !window.Plotly) return;
    document.querySelectorAll(".js-plotly-plot").forEach((gd) => {
      adaptFigure(gd).catch((err) => console.warn("[emp] figure not adapted:", err));
    });
  };

  ready(() => {
    forwardToggles();
    cleanSearch();
    adaptFigures();
    window.addEventListener("load", adaptFigures);
    window.addEventListener("resize", adaptFigures);
  });
})();
