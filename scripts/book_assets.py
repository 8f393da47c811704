"""Sphinx extension: put the book's JavaScript where the offline site serves it.

Loaded by ``_config.yml`` (``sphinx.local_extensions: {book_assets: scripts/}``).
On ``config-inited`` it stages, under ``_build/assets`` (which ``html_static_path``
publishes as ``_static/``):

* ``plotly/plotly-<bundle>.min.js`` -- plotly.js's partial bundles ``basic``,
  ``cartesian`` and ``gl3d`` from ``node_modules`` (``npm ci``, pinned by
  ``package-lock.json``) and, as ``plotly-full.min.js``, the complete bundle from the
  installed ``plotly`` package. All of them must be the plotly.js version of the
  ``plotly`` package that writes the figures' JSON; a mismatch stops the build.
* ``emp-icons.css`` -- the Font Awesome icons the themes' templates use, drawn as
  inline SVG masks (the paths come from the theme's own ``fontawesome.js``), so that
  no page downloads the 156 kB icon web font for its dozen icons (the theme's
  ``fontawesome.js`` itself is not loaded: ``book/_templates/static/webpack-macros.html``);
* ``mathjax`` -- a link to (or copy of) MathJax 3's ``es5`` folder from
  ``node_modules/mathjax``. The pages load ``startup.js`` with a ``loader`` list of
  components (``mathjax3_config`` in ``_config.yml``), which MathJax then loads, and
  its fonts, relative to that script from the site itself.

plotly.js is loaded only by the pages that draw a figure (``html-page-context``),
and each such page gets the smallest bundle that registers every trace type its
figures use (read from the ``Plotly.newPlot``/``Plotly.addFrames`` calls of its
HTML); a page whose traces no partial bundle covers gets the full bundle. The
figures call ``Plotly.newPlot`` inline, so the bundle is a synchronous script in
the page's head.

A missing asset stops the build with a message that says what to run. Can also be
run as a script (``python scripts/book_assets.py``) to stage the files by hand.

The execution cache (``execute_notebooks: cache``) is keyed on the code of each
chapter only, so a change to the ``emp_theory`` library would otherwise leave stale
outputs in the book: when the library's source changes, the cache is emptied and every
chapter runs again.

It also drops the JavaScript and CSS of ``sphinx_thebe``, which Jupyter Book 1.x
always loads although the book has no launch buttons: its inline configuration
script is registered once per read phase, and the second copy throws
``Identifier 'THEBE_JS_URL' has already been declared`` in every page's console
(the browser test checks for console errors).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from book_icons import IconError, icon_css

ASSETS = Path("_build") / "assets"
MATHJAX_SRC = Path("node_modules") / "mathjax" / "es5"
MATHJAX_DEST = ASSETS / "mathjax"
PLOTLY_DEST = ASSETS / "plotly"
ICONS_DEST = ASSETS / "emp-icons.css"
#: plotly.js's partial bundles the book may use, smallest first (npm packages).
PARTIAL_BUNDLES = ("basic", "cartesian", "gl3d")


class AssetError(RuntimeError):
    """A JavaScript asset the offline book needs is missing."""


@dataclass(frozen=True)
class Bundle:
    """One plotly.js bundle: its name, source file, version and trace types."""

    name: str
    source: Path
    version: str
    traces: frozenset[str] | None  # None: every trace type (the full bundle)

    @property
    def filename(self) -> str:
        """Path of the bundle under ``_static/``."""
        return f"plotly/plotly-{self.name}.min.js"

    def covers(self, types: set[str]) -> bool:
        return self.traces is None or types <= self.traces


_VERSION = re.compile(r"plotly\.js(?: \([a-z0-9 -]+\))? v(\d+\.\d+\.\d+)")
_README_TRACES = re.compile(r"Contains trace modules (.+?)\.\s*$", re.M)


def _js_version(path: Path) -> str:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        m = _VERSION.search(fh.read(2000))
    if not m:
        raise AssetError(f"cannot read the plotly.js version in the header of {path}")
    return m.group(1)


def _readme_traces(readme: Path) -> frozenset[str]:
    """Trace types of a partial bundle, from its README ("Contains trace modules ...")."""
    m = _README_TRACES.search(readme.read_text(encoding="utf-8"))
    if not m:
        raise AssetError(f"{readme} does not list the bundle's trace modules")
    return frozenset(re.findall(r"`([a-z0-9]+)`", m.group(1)))


def plotly_bundles(root: Path) -> list[Bundle]:
    """The partial bundles (smallest first), then the full bundle of the plotly package."""
    try:
        import plotly
        from plotly.offline import get_plotlyjs_version
    except ImportError as exc:  # pragma: no cover - plotly is a requirement
        raise AssetError("plotly is not installed: run `make install`") from exc
    want = get_plotlyjs_version()
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not full.is_file():
        raise AssetError(f"plotly.min.js not found at {full}: reinstall plotly")
    out = []
    for name in PARTIAL_BUNDLES:
        pkg = root / "node_modules" / f"plotly.js-{name}-dist-min"
        src = pkg / f"plotly-{name}.min.js"
        if not src.is_file():
            raise AssetError(
                f"plotly.js bundle {src} not found: run `npm ci` in {root} "
                "(or `make book-build`, which does it)"
            )
        out.append(Bundle(name, src, _js_version(src), _readme_traces(pkg / "README.md")))
    out.append(Bundle("full", full, _js_version(full), None))
    bad = [f"{b.source}: v{b.version}" for b in out if b.version != want]
    if bad:
        raise AssetError(
            f"the plotly package writes figures for plotly.js v{want}, but "
            + "; ".join(bad)
            + ": pin the same version in package.json and run `npm install`"
        )
    return out


def _copy_if_changed(src: Path, dest: Path) -> bool:
    if dest.is_file() and dest.stat().st_size == src.stat().st_size:
        if dest.read_bytes() == src.read_bytes():
            return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return True


def stage(root: Path) -> list[str]:
    """Copy/link the assets under ``root``; return a description of what was done."""
    done = []
    for b in plotly_bundles(root):
        dest = root / ASSETS / b.filename
        if _copy_if_changed(b.source, dest):
            done.append(f"copied {b.source} -> {dest}")

    try:
        css = icon_css()
    except IconError as exc:
        raise AssetError(str(exc)) from None
    dest = root / ICONS_DEST
    if not dest.is_file() or dest.read_text(encoding="utf-8") != css:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(css, encoding="utf-8")
        done.append(f"wrote {dest}")

    mj = root / MATHJAX_SRC
    if not (mj / "startup.js").is_file():
        raise AssetError(
            f"MathJax 3 not found at {mj}: run `npm ci` in {root} "
            "(or `make book-build`, which does it)"
        )
    link = root / MATHJAX_DEST
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and link.resolve() == mj.resolve():
        return done
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    try:
        link.symlink_to(os.path.relpath(mj, link.parent), target_is_directory=True)
        done.append(f"linked {link} -> {mj}")
    except OSError:  # pragma: no cover - file systems without symlinks
        shutil.copytree(mj, link)
        done.append(f"copied {mj} -> {link}")
    return done


# ---------------------------------------------------------------------------
# Which bundle a page needs
# ---------------------------------------------------------------------------
_PLOTLY_CALL = re.compile(r"Plotly\.(newPlot|addFrames)\(\s*(['\"])[^'\"]*\2\s*,\s*")
_JSON_SCRIPT = re.compile(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', re.S)


def _figure_traces(obj):
    """Traces of every plotly figure (a dict with ``data`` and ``layout``) inside ``obj``."""
    if isinstance(obj, dict):
        data = obj.get("data")
        if isinstance(data, list) and isinstance(obj.get("layout"), dict):
            yield from (t for t in data if isinstance(t, dict))
            for frame in obj.get("frames") or []:
                yield from _figure_traces(frame if isinstance(frame, dict) else {})
        for value in obj.values():
            if isinstance(value, (dict, list)) and value is not data:
                yield from _figure_traces(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _figure_traces(value)


def trace_types(html: str) -> set[str] | None:
    """Trace types drawn by the plotly figures of ``html`` (``None``: unreadable).

    Reads the data arrays of the ``Plotly.newPlot`` calls and the frames of the
    ``Plotly.addFrames`` calls that ``plotly.io.to_html`` writes, and the figures
    (``{"data": [...], "layout": {...}}``) inside ``application/json`` scripts, which
    page scripts draw with ``Plotly.react``; a trace without a ``type`` is a scatter
    trace.

    >>> sorted(trace_types('Plotly.newPlot("f", [{"type": "bar"}, {"x": [1]}], {})'))
    ['bar', 'scatter']
    >>> trace_types("Plotly.newPlot('f', [{'x': 1}])") is None  # not JSON
    True
    >>> trace_types('<script type="application/json">{"figure": {"data": '
    ...             '[{"type": "heatmap"}], "layout": {}}}</script>')
    {'heatmap'}
    """
    dec = json.JSONDecoder()
    types: set[str] = set()
    for m in _PLOTLY_CALL.finditer(html):
        try:
            items, _ = dec.raw_decode(html, m.end())
        except ValueError:
            return None
        traces = items
        if m.group(1) == "addFrames":
            traces = [t for frame in items for t in (frame.get("data") or [])]
        for t in traces:
            types.add(t.get("type") or "scatter")
    for m in _JSON_SCRIPT.finditer(html):
        try:
            blob = json.loads(m.group(1))
        except ValueError:
            return None
        types.update(t.get("type") or "scatter" for t in _figure_traces(blob))
    return types


def choose_bundle(types: set[str] | None, bundles: list[Bundle]) -> Bundle:
    """The first (smallest) bundle that registers every type; the full one otherwise."""
    if types is not None:
        for b in bundles:
            if b.covers(types):
                return b
    return bundles[-1]


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if "plotly-graph-div" not in body:
        return
    bundle = choose_bundle(trace_types(body), plotly_bundles(Path(app.confdir)))
    app.add_js_file(bundle.filename)


# ---------------------------------------------------------------------------
# The execution cache follows the library
# ---------------------------------------------------------------------------
def library_digest(root: Path) -> str:
    """SHA-256 of the ``emp_theory`` package's Python sources (paths and contents)."""
    h = hashlib.sha256()
    pkg = root / "emp_theory"
    for f in sorted(pkg.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def invalidate_stale_cache(root: Path, cache_dir: Path, stamp: Path) -> bool:
    """Empty ``cache_dir`` if the library changed since ``stamp`` was written."""
    digest = library_digest(root)
    old = stamp.read_text().strip() if stamp.is_file() else None
    cleared = False
    if old != digest and cache_dir.is_dir():
        shutil.rmtree(cache_dir)
        cleared = True
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return cleared


def _on_config_inited(app, config) -> None:
    from sphinx.errors import ConfigError
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    try:
        for line in stage(Path(app.confdir)):
            log.info(line)
    except AssetError as exc:
        raise ConfigError(str(exc)) from None
    build_dir = Path(app.outdir).parent
    cache_dir = Path(getattr(config, "nb_execution_cache_path", "") or build_dir / ".jupyter_cache")
    stamp = build_dir / "emp_theory_sources.sha256"
    if invalidate_stale_cache(Path(app.confdir), cache_dir, stamp):
        log.info(f"emp_theory changed: emptied the execution cache {cache_dir}")


# ---------------------------------------------------------------------------
# sphinx_thebe's assets
# ---------------------------------------------------------------------------
def _is_thebe(filename, attrs) -> bool:
    return "thebe" in str(filename or "") or "THEBE_JS_URL" in str(attrs.get("body", ""))


def _drop_thebe_assets(app, env, docnames) -> None:
    reg = app.registry
    reg.js_files[:] = [(f, a) for f, a in reg.js_files if not _is_thebe(f, a)]
    reg.css_files[:] = [(f, a) for f, a in reg.css_files if not _is_thebe(f, a)]
    builder = app.builder  # Sphinx.add_js_file also hands the file to the builder
    for attr in ("_js_files", "_css_files"):
        assets = getattr(builder, attr, None)
        if assets is not None:
            assets[:] = [x for x in assets if not _is_thebe(x.filename, x.attributes)]


def setup(app):
    # before Sphinx validates html_static_path (priority 800)
    app.connect("config-inited", _on_config_inited, priority=100)
    # after sphinx_thebe registered its files (priority 500)
    app.connect("env-before-read-docs", _drop_thebe_assets, priority=900)
    app.connect("html-page-context", _on_html_page_context)
    return {"version": "1.1", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    try:
        for line in stage(Path(__file__).resolve().parent.parent):
            print(line)
    except AssetError as exc:
        sys.exit(f"error: {exc}")
