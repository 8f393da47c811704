"""Figures for the chapter "Pruning pixels" (featurewise EMP, Section 5.4 / Figure 4).

* :func:`pixels_figure` — original / EMP global / EMP patchwise side by side,
  with a :math:`\\beta` slider and patch-size buttons. Every combination is
  precomputed and embedded as a small PNG, so the figure works offline in the
  static book (no kernel): the buttons toggle ``visible`` of the patch panel's
  images and the slider toggles ``opacity`` of all panels, two independent
  attributes, so the two controls compose.
* :func:`quality_table` — Markdown table of PSNR / SSIM / sparsity of
  :func:`emp_theory.images.compare.compare_methods`.
* :func:`paper_table` — Markdown table of global and patchwise EMP per image
  next to the paper's Figure 4 numbers.
* :func:`tradeoff_figure` — PSNR against sparsity for every method and image.

Display with ``from emp_theory.viz import show; show(fig)``.
"""

from __future__ import annotations

import base64
import io

import numpy as np

from ..images import (
    PAPER_FIGURE4,
    MethodRow,
    emp_prune,
    image_quality,
)
from ._render import markdown_table

__all__ = ["downsample", "paper_table", "pixels_figure", "quality_table", "tradeoff_figure"]


def downsample(image, size: int = 128) -> np.ndarray:
    """Resize `image` so its longer side is at most `size` (anti-aliased), keeping its dtype.

    Uses ``skimage.transform.resize`` with ``anti_aliasing=True`` and
    ``preserve_range=True``; integer images are rounded back to their dtype so
    that :func:`emp_theory.images.metrics.image_quality` infers the same data range.
    Images already small enough are returned unchanged.
    """
    from skimage.transform import resize

    arr = np.asarray(image)
    if arr.ndim not in (2, 3):
        raise ValueError(f"`image` must have shape (H, W) or (H, W, C), got {arr.shape}")
    if int(size) < 8:
        raise ValueError(f"`size` must be >= 8, got {size!r}")
    H, W = arr.shape[:2]
    scale = size / max(H, W)
    if scale >= 1:
        return arr
    shape = (max(round(H * scale), 1), max(round(W * scale), 1), *arr.shape[2:])
    out = resize(arr, shape, anti_aliasing=True, preserve_range=True)
    if arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        out = np.clip(np.rint(out), info.min, info.max).astype(arr.dtype)
    return out


def _png_uri(img: np.ndarray, data_range: float) -> str:
    from PIL import Image

    u8 = np.clip(np.rint(np.asarray(img, dtype=np.float64) * (255.0 / data_range)), 0, 255)
    u8 = u8.astype(np.uint8)
    if u8.ndim == 3 and u8.shape[2] == 1:
        u8 = u8[:, :, 0]
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _fmt_psnr(v: float) -> str:
    return "∞" if not np.isfinite(v) else f"{v:.1f}"


def pixels_figure(
    image,
    betas=(0.5, 0.75, 1.0, 1.5, 2.0),
    patches=(2, 4, 8, 16),
    *,
    size: int = 128,
    beta0: float = 1.0,
    patch0: int = 4,
    data_range=None,
    title: str | None = "Original, EMP per channel and EMP per patch (choose β and the patch)",
):
    """Interactive original / EMP global / EMP patchwise comparison (paper's Figure 4).

    The image is first reduced with :func:`downsample` to at most `size` pixels
    on its longer side; every ``(beta, patch)`` combination is pruned with
    :func:`emp_theory.images.prune.emp_prune` (patch mode with the patch mean) and
    scored with :func:`emp_theory.images.metrics.image_quality` at that resolution,
    so the numbers under the panels are those of the small image, not of the
    full-resolution table.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` or ``(H, W, C)`` image.
    betas : sequence of float
        Values of :math:`\\beta` on the slider.
    patches : sequence of int
        Patch sizes on the buttons.
    size : int, default 128
        Longer side of the displayed images.
    beta0, patch0 : float, int
        Initially selected values (must be among `betas` / `patches`).
    data_range : float, optional
        As in :func:`emp_theory.images.metrics.image_quality` (needed for float images).
    title : str or None, optional
        Figure title (``None``: none).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    betas = [float(b) for b in betas]
    patches = [int(p) for p in patches]
    if not betas or not patches:
        raise ValueError("`betas` and `patches` must not be empty")
    if float(beta0) not in betas:
        raise ValueError(f"`beta0` must be one of `betas` {betas}, got {beta0!r}")
    if int(patch0) not in patches:
        raise ValueError(f"`patch0` must be one of `patches` {patches}, got {patch0!r}")
    small = downsample(image, size)
    dr = image_quality(small, small, data_range).data_range
    h, w = small.shape[:2]
    ib0, ip0 = betas.index(float(beta0)), patches.index(int(patch0))

    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("original", "EMP global (per channel)", "EMP patchwise (patch mean)"),
        horizontal_spacing=0.02,
    )
    ytext = h + 0.09 * h

    def label(res, q):
        return f"sparsity {res.sparsity:.3f}<br>PSNR {_fmt_psnr(q.psnr)} dB · SSIM {q.ssim:.3f}"

    def add_image(src, col, visible, opacity):
        fig.add_trace(
            go.Image(source=src, hoverinfo="skip", visible=visible, opacity=opacity),
            row=1,
            col=col,
        )

    def add_text(text, col, visible, opacity):
        fig.add_trace(
            go.Scatter(
                x=[(w - 1) / 2],
                y=[ytext],
                text=[text],
                mode="text",
                textfont={"size": 12},
                hoverinfo="skip",
                showlegend=False,
                visible=visible,
                opacity=opacity,
            ),
            row=1,
            col=col,
        )

    add_image(_png_uri(small, dr), 1, True, 1.0)
    add_text(f"{w}×{h} px (downsampled)", 1, True, 1.0)
    beta_of: list[float | None] = [None, None]  # per trace: the beta it shows (None: all)
    patch_of: list[int | None] = [None, None]  # per trace: the patch it shows (None: all)
    for ib, b in enumerate(betas):
        res = emp_prune(small, b)
        q = image_quality(small, res.image, dr)
        op = 1.0 if ib == ib0 else 0.0
        add_image(_png_uri(res.image, dr), 2, True, op)
        add_text(label(res, q), 2, True, op)
        beta_of += [b, b]
        patch_of += [None, None]
    for ip, p in enumerate(patches):
        for ib, b in enumerate(betas):
            res = emp_prune(small, b, p)
            q = image_quality(small, res.image, dr)
            op = 1.0 if ib == ib0 else 0.0
            vis = ip == ip0
            add_image(_png_uri(res.image, dr), 3, vis, op)
            add_text(label(res, q), 3, vis, op)
            beta_of += [b, b]
            patch_of += [p, p]

    n = len(fig.data)
    steps = [
        {
            "method": "restyle",
            "label": f"{b:g}",
            "args": [{"opacity": [1.0 if bo in (None, b) else 0.0 for bo in beta_of]}],
        }
        for b in betas
    ]
    patch_idx = [i for i in range(n) if patch_of[i] is not None]
    buttons = [
        {
            "method": "restyle",
            "label": f"{p}×{p}",
            "args": [{"visible": [patch_of[i] == p for i in patch_idx]}, patch_idx],
        }
        for p in patches
    ]
    for k in (1, 2, 3):
        sx = "" if k == 1 else str(k)
        fig.update_layout(
            {
                f"xaxis{sx}": {
                    "range": [-0.5, w - 0.5],
                    "showticklabels": False,
                    "showgrid": False,
                    "zeroline": False,
                },
                f"yaxis{sx}": {
                    "range": [h + 0.2 * h, -0.5],
                    "showticklabels": False,
                    "showgrid": False,
                    "zeroline": False,
                    "scaleanchor": f"x{sx}",
                },
            }
        )
    fig.update_layout(
        title=title,
        height=500,
        margin={"l": 10, "r": 10, "t": 120 if title else 90, "b": 80},
        plot_bgcolor="white",
        sliders=[
            {
                "active": ib0,
                "currentvalue": {"prefix": "β = "},
                "pad": {"t": 10},
                "steps": steps,
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "active": ip0,
                "buttons": buttons,
                "x": 0.2,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "bottom",
                "pad": {"b": 30},
                "showactive": True,
            }
        ],
    )
    fig.add_annotation(
        text="patch size (right panel):",
        x=0.0,
        xref="paper",
        xanchor="left",
        y=1.0,
        yref="paper",
        yanchor="bottom",
        yshift=40,
        showarrow=False,
    )
    return fig


def quality_table(rows: list[MethodRow]) -> str:
    """Markdown table of :func:`emp_theory.images.compare.compare_methods` rows (sparsity, PSNR, SSIM).

    Display in a notebook with ``IPython.display.Markdown(quality_table(rows))``.
    """
    if not rows:
        raise ValueError("`rows` must not be empty")
    body = [
        [r.label, r.group, f"{r.sparsity:.3f}", _fmt_psnr(r.psnr), f"{r.ssim:.4f}"] for r in rows
    ]
    return markdown_table(["method", "compared at", "sparsity", "PSNR (dB)", "SSIM"], body).text


def paper_table(per_image: dict[str, list[MethodRow]]) -> str:
    """Markdown table: global and 4x4 EMP per image, after the paper's Figure 4 numbers.

    `per_image` maps an image name to its :func:`emp_theory.images.compare.compare_methods`
    rows (the rows with keys ``emp_global``, ``emp_patch`` and
    ``emp_patch_channel`` are used).
    """
    if not per_image:
        raise ValueError("`per_image` must not be empty")
    g, p = PAPER_FIGURE4["global"], PAPER_FIGURE4["patch4"]

    def cells(t):
        return [f"{t[0]:.3f}", f"{t[1]:.1f}" if np.isfinite(t[1]) else "∞", f"{t[2]:.3f}"]

    body = [["**paper** (Pexels photo, Figure 4)", *cells(g), *cells(p), "—", "—", "—"]]
    for name, rows in per_image.items():
        by = {r.key: r for r in rows}
        line = [name]
        for key in ("emp_global", "emp_patch", "emp_patch_channel"):
            r = by[key]
            line += cells((r.sparsity, r.psnr, r.ssim))
        body.append(line)
    header = ["image"]
    for what in ("global", "4×4, patch mean", "4×4, channel mean"):
        header += [f"{what}: sparsity", "PSNR (dB)", "SSIM"]
    return markdown_table(header, body).text


_MARKERS = {
    "emp_global": ("circle", "#1f77b4"),
    "emp_patch": ("circle", "#d62728"),
    "emp_patch_channel": ("circle-open", "#d62728"),
    "topk_global": ("square", "#1f77b4"),
    "topk_patch": ("square", "#d62728"),
    "random_patch": ("x", "#d62728"),
    "random_global": ("x", "#1f77b4"),
    "topk_patch_at_global": ("square-open", "#d62728"),
    "random_global_at_global": ("x-open", "#1f77b4"),
    "dct_emp_global": ("diamond", "#2ca02c"),
    "dct_emp_block": ("diamond", "#9467bd"),
    "dct_topk_at_global": ("diamond-open", "#2ca02c"),
}


def tradeoff_figure(per_image: dict[str, list[MethodRow]], *, metric: str = "psnr"):
    """PSNR (or SSIM) against sparsity: one marker per image and method, the paper's two points as stars."""
    import plotly.graph_objects as go

    if metric not in ("psnr", "ssim"):
        raise ValueError(f"`metric` must be 'psnr' or 'ssim', got {metric!r}")
    if not per_image:
        raise ValueError("`per_image` must not be empty")
    first = next(iter(per_image.values()))
    fig = go.Figure()
    for row0 in first:
        sym, color = _MARKERS.get(row0.key, ("circle", "gray"))
        xs, ys, names = [], [], []
        for name, rows in per_image.items():
            r = next(r for r in rows if r.key == row0.key)
            xs.append(r.sparsity)
            ys.append(getattr(r, metric))
            names.append(name)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name=f"{row0.label} ({row0.group})",
                text=names,
                marker={"symbol": sym, "color": color, "size": 10},
                hovertemplate="%{text}<br>sparsity %{x:.3f}<br>%{y:.3f}<extra>%{fullData.name}</extra>",
            )
        )
    j = 1 if metric == "psnr" else 2
    fig.add_trace(
        go.Scatter(
            x=[PAPER_FIGURE4["global"][0], PAPER_FIGURE4["patch4"][0]],
            y=[PAPER_FIGURE4["global"][j], PAPER_FIGURE4["patch4"][j]],
            text=["paper, global", "paper, 4×4 patches"],
            mode="markers+text",
            textposition="top center",
            name="paper Figure 4 (Pexels photo)",
            marker={"symbol": "star", "size": 16, "color": "black"},
        )
    )
    fig.update_layout(
        template="plotly_white",
        title={"text": f"{'PSNR' if metric == 'psnr' else 'SSIM'} against sparsity, every method"},
        xaxis_title="sparsity (fraction of pruned entries)",
        yaxis_title="PSNR (dB)" if metric == "psnr" else "SSIM",
        height=720,
        legend={
            "font": {"size": 10},
            "orientation": "h",
            "yanchor": "top",
            "y": -0.12,
            "xanchor": "left",
            "x": 0.0,
        },
        margin=dict(l=60, r=10, t=30, b=10),
    )
    return fig
