"""The trainability map: the share of seeds that train over (sigma_w^2, depth), per
activation and bias spread, with mean-field theory's ``6 xi_c`` drawn over it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from initstudy.analysis.trainability import panel_keys
from initstudy.plots.plots import finish_panels, panel_grid

#: Colour map of the share trained (0: no seed trains, 1: every seed trains).
SHARE_CMAP = "viridis"


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted ``values``: midpoints between them (geometric if ``log``), and
    as far beyond the ends as the nearest midpoint (half a unit for a single value)."""
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if v.size == 1:
        edges = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        mid = (v[1:] + v[:-1]) / 2
        edges = np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])
    return np.exp(edges) if log else edges


def compact_share(value: float) -> str:
    """A share in as few characters as it takes: ``1``, ``.9``, ``.25``, ``0``.

    Parameters
    ----------
    value : float
        A share in [0, 1].

    Returns
    -------
    str
    """
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text[1:] if text.startswith("0.") else text


class CellLabel(Text):
    """A cell's share in its compact form (:func:`compact_share`), written when the figure is
    drawn (after its layout) if it fits the cell's width, else left out (the cell's colour
    still says it), so that narrow cells never overprint their neighbours.

    Parameters
    ----------
    x, y : float
        The cell's centre, in data coordinates.
    left, right : float
        The cell's edges along x, in data coordinates.
    share : float
    **kwargs
        Passed to :class:`matplotlib.text.Text`.
    """

    def __init__(self, x: float, y: float, left: float, right: float, share: float, **kwargs):
        super().__init__(x, y, "", **kwargs)
        self._edges, self._share = (left, right), share

    def draw(self, renderer) -> None:
        """Write the share if it fits the cell as drawn, then draw it."""
        ends = self.axes.transData.transform([(edge, self._y) for edge in self._edges])
        self.set_text(compact_share(self._share))
        if self.get_window_extent(renderer).width > 0.9 * abs(ends[1, 0] - ends[0, 0]):
            self.set_text("")
        super().draw(renderer)


def _mark_points(ax, points: dict[str, float], x_edges: np.ndarray) -> None:
    """Initializers at their sigma_w^2, as labelled ticks under the panel's top edge."""
    by_value: dict[float, list[str]] = {}
    for name, value in points.items():
        if x_edges[0] <= value <= x_edges[-1]:
            by_value.setdefault(round(value, 9), []).append(name)
    for value, names in by_value.items():
        ax.annotate(
            "/".join(names), (value, 1.0), xycoords=("data", "axes fraction"),
            xytext=(0, -3), textcoords="offset points", ha="center", va="top", fontsize=6,
            color="white", arrowprops=None,
        )  # fmt: skip
        ax.plot([value], [1.0], marker="v", color="white", transform=ax.get_xaxis_transform())


def _panel_title(activation: str, sigma_b2: float, extra: str) -> str:
    title = f"{activation}, σ_b² = {sigma_b2:g}"
    return f"{title}\n{extra}" if extra else title


def plot_trainability_map(
    cells: pd.DataFrame, curve: pd.DataFrame, points: dict[str, float] | None = None
) -> Figure:
    """One panel per activation, bias spread and other stratum: share trained, and ``6 xi_c``.

    Parameters
    ----------
    cells : pandas.DataFrame
        :func:`initstudy.analysis.trainability.trainability_cells`.
    curve : pandas.DataFrame
        Theory on a fine grid: ``activation``, ``sigma_b2``, ``sigma_w2``,
        ``six_xi_c`` (``inf`` at the critical line), ``critical_sigma_w2``.
    points : dict of str to float, optional
        Initializers' ``sigma_w^2`` (He 2, LeCun 1, ...), marked on the panels at
        ``sigma_b^2 = 0``, where they sit on theory's plane.

    Returns
    -------
    matplotlib.figure.Figure
    """
    keys = panel_keys(cells)
    groups = list(cells.groupby(keys, sort=True))
    fig, axes = panel_grid(max(1, len(groups)), 2, (4.6, 3.6))
    image = None
    for ax, (values, panel) in zip(axes, groups, strict=False):
        row = dict(zip(keys, values, strict=True))
        x_values = np.sort(panel["sigma_w2"].unique())
        depths = np.sort(panel["depth"].unique())
        share = panel.pivot_table(
            index="depth", columns="sigma_w2", values="share_trained", aggfunc="first"
        ).reindex(index=depths, columns=x_values)
        # Cells on the real axes (sigma_w^2 linear, depth logarithmic), so that theory's
        # curve is drawn where it is, whatever the spacing of the grid's values.
        x_edges, y_edges = _edges(x_values, log=False), _edges(depths, log=True)
        image = ax.pcolormesh(
            x_edges, y_edges, share.to_numpy(), cmap=SHARE_CMAP, vmin=0, vmax=1, shading="flat"
        )
        for (i, j), value in np.ndenumerate(share.to_numpy()):
            if np.isfinite(value):
                color = "white" if value < 0.5 else "black"
                ax.add_artist(CellLabel(
                    x_values[j], depths[i], x_edges[j], x_edges[j + 1], value,
                    ha="center", va="center", fontsize=6, color=color, transform=ax.transData,
                ))  # fmt: skip
        same = (curve["activation"] == row["activation"]) & np.isclose(
            curve["sigma_b2"], row["sigma_b2"]
        )
        theory = curve[same].sort_values("sigma_w2")
        critical = float(theory["critical_sigma_w2"].iloc[0]) if len(theory) else np.nan
        if len(theory):
            ax.plot(
                theory["sigma_w2"], theory["six_xi_c"], color="#D55E00", lw=1.6,
                label="6 ξ_c (theory)",
            )  # fmt: skip
        if x_edges[0] <= critical <= x_edges[-1]:
            ax.axvline(critical, color="#D55E00", ls=":", lw=1, label="critical σ_w² (theory)")
        if row["sigma_b2"] == 0:
            _mark_points(ax, points or {}, x_edges)
        ax.set_yscale("log")
        ax.set_xlim(x_edges[0], x_edges[-1])
        # Up to where theory's curve goes, within five times the deepest depth measured.
        finite = theory["six_xi_c"][np.isfinite(theory["six_xi_c"])] if len(theory) else []
        reach = min(float(np.max(finite)), 5 * depths[-1]) if len(finite) else 0.0
        ax.set_ylim(y_edges[0], max(y_edges[-1], reach))
        ax.set_xticks(x_values)
        ax.set_xticklabels([f"{v:g}" for v in x_values], rotation=45, fontsize=7)
        ax.set_yticks(depths)
        ax.set_yticklabels([str(int(d)) for d in depths], fontsize=7)
        ax.minorticks_off()
        ax.set_xlabel("σ_w² (weight variance × fan-in)")
        ax.set_ylabel("hidden layers")
        detail = [str(row[key]) if key == "dataset" else f"{key} {row[key]:g}" for key in keys[2:]]
        if np.isfinite(critical):
            detail.append(f"critical σ_w² {critical:.3g}")
        title = _panel_title(row["activation"], row["sigma_b2"], ", ".join(detail))
        ax.set_title(title, fontsize=9)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="share of seeds that train")
    return finish_panels(
        fig, axes, 2, "Trainability: share of seeds that train, and mean-field theory's 6 ξ_c"
    )
