"""Sphinx extension: put the book's JavaScript where the offline site serves it.

Loaded by ``_config.yml`` (``sphinx.local_extensions: {book_assets: scripts/}``).
On ``config-inited`` it

* copies ``plotly.min.js`` from the installed ``plotly`` package (the same
  version that wrote the figures' JSON) to ``book/_static/plotly.min.js``;
* links (or, where links are not possible, copies) MathJax 3's ``es5`` folder from
  ``node_modules/mathjax`` (installed by ``npm ci`` from ``package-lock.json``) to
  ``_build/assets/mathjax``, which ``html_static_path`` publishes as
  ``_static/mathjax`` (``mathjax_path: mathjax/tex-chtml.js``); MathJax then loads
  its fonts and extensions relative to that script, from the site itself.

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

import filecmp
import hashlib
import os
import shutil
import sys
from pathlib import Path

MATHJAX_SRC = Path("node_modules") / "mathjax" / "es5"
MATHJAX_DEST = Path("_build") / "assets" / "mathjax"
PLOTLY_DEST = Path("book") / "_static" / "plotly.min.js"


class AssetError(RuntimeError):
    """A JavaScript asset the offline book needs is missing."""


def plotly_js() -> Path:
    """Path of ``plotly.min.js`` inside the installed ``plotly`` package."""
    try:
        import plotly
    except ImportError as exc:  # pragma: no cover - plotly is a requirement
        raise AssetError("plotly is not installed: run `make install`") from exc
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise AssetError(f"plotly.min.js not found at {path}: reinstall plotly")
    return path


def stage(root: Path) -> list[str]:
    """Copy/link the assets under ``root``; return a description of what was done."""
    done = []
    src = plotly_js()
    dest = root / PLOTLY_DEST
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.is_file() or not filecmp.cmp(src, dest, shallow=False):
        shutil.copyfile(src, dest)
        done.append(f"copied {src} -> {dest}")

    mj = root / MATHJAX_SRC
    if not (mj / "tex-chtml.js").is_file():
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
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    try:
        for line in stage(Path(__file__).resolve().parent.parent):
            print(line)
    except AssetError as exc:
        sys.exit(f"error: {exc}")
