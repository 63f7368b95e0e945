"""How cells and numbers are written, in figures, tables and the report alike."""

from __future__ import annotations

import math

TIMES = "\N{MULTIPLICATION SIGN}"
#: What the report prints where a value is missing (an empty field in the tables).
MISSING = "—"


def format_scale(scale: float) -> str:
    """The canonical text of a scale, used in file names and tables.

    Shortest round-trip representation of the float, without a trailing
    ``.0``: ``1`` for 1.0, ``0.25``, ``1e-06``. ``float(format_scale(x)) == x``.

    Parameters
    ----------
    scale : float

    Returns
    -------
    str
    """
    text = repr(float(scale))
    return text[:-2] if text.endswith(".0") else text


def cell_label(init: str, scale: float) -> str:
    """Short name of an (initializer, scale) cell, e.g. ``he ×1`` or ``random ×0.01``.

    Parameters
    ----------
    init : str
    scale : float

    Returns
    -------
    str
    """
    return f"{init} {TIMES}{format_scale(scale)}"


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for prose and tables; :data:`MISSING` where there is none.

    Fixed point with ``digits`` decimals, or 3 significant digits in scientific
    notation where fixed point would be unreadable (``4.88e+17``, ``2.1e-06``).

    Parameters
    ----------
    value : float or None
    digits : int

    Returns
    -------
    str
    """
    if value is None or not math.isfinite(value):
        return MISSING
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    return f"{value:.{digits}f}"


def significant(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits; ``overflow`` for an infinity,
    ``not measured`` for a missing value.

    Parameters
    ----------
    value : float or None
    digits : int

    Returns
    -------
    str
    """
    if value is None or math.isnan(value):
        return "not measured"
    if math.isinf(value):
        return "overflow"
    return f"{value:.{digits}g}"


def interval(low: float, high: float, digits: int = 3) -> str:
    """``[low, high]``, or nothing when the interval is undefined.

    Parameters
    ----------
    low, high : float
    digits : int

    Returns
    -------
    str
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def signed_percent(fraction: float) -> str:
    """A relative difference as a signed percentage, e.g. ``+0.5 %``.

    Parameters
    ----------
    fraction : float

    Returns
    -------
    str
    """
    return f"{100 * fraction:+.1f} %" if math.isfinite(fraction) else "not measured"
