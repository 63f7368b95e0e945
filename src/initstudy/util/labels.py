"""How cells and numbers are written, in figures, tables and the report alike."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps

TIMES = "\N{MULTIPLICATION SIGN}"
#: What the report prints where a value is missing (an empty field in the tables).
MISSING = "—"


def format_scale(scale: float) -> str:
    """The canonical text of a scale, in file names, wildcards and config messages.

    Parameters
    ----------
    scale : float

    Returns
    -------
    str
        The shortest round-trip representation of the float without a trailing ``.0``:
        ``1`` for 1.0, ``0.25``, ``1e-06``; ``float(format_scale(x)) == x``.
    """
    text = repr(float(scale))
    return text[:-2] if text.endswith(".0") else text


#: Square roots the report and the figures write by name: ``√n`` and ``1/√n``.
_SURDS = {
    value: text
    for n in range(2, 100)
    if math.isqrt(n) ** 2 != n
    for value, text in ((math.sqrt(n), f"√{n}"), (1.0 / math.sqrt(n), f"1/√{n}"))
}
#: Significant digits a scale keeps in the report and figures before it is rounded to 4.
_DISPLAY_DIGITS = 5


def display_scale(scale: float) -> str:
    """The text of a scale wherever a person reads it: the report, its tables and figures.

    The one formatter of scales for reading (paths keep :func:`format_scale`): the
    square root of a small integer, or its inverse, by name (``√2``, ``1/√2``);
    otherwise the canonical text where it has at most five significant digits
    (``1``, ``0.25``, ``1.1583``, ``1e+100``), else four (``1.414`` for a
    ``1.41421356`` that is not √2).

    Parameters
    ----------
    scale : float

    Returns
    -------
    str
    """
    value = float(scale)
    if value in _SURDS:
        return _SURDS[value]
    text = format_scale(value)
    mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return text if len(mantissa) <= _DISPLAY_DIGITS else f"{value:.4g}"


def cell_label(init: str, scale: float) -> str:
    """Short name of an (initializer, scale) cell, e.g. ``he ×1``, ``lecun ×√2``.

    Parameters
    ----------
    init : str
    scale : float
        Written by :func:`display_scale`.

    Returns
    -------
    str
    """
    return f"{init} {TIMES}{display_scale(scale)}"


def missing_unless(defined: Callable[[float], bool]) -> Callable:
    """Decorate a number formatter to write :data:`MISSING` for None and for values not
    ``defined`` (e.g. :func:`math.isfinite`), so that it only ever sees numbers it can write.

    Parameters
    ----------
    defined : callable float -> bool

    Returns
    -------
    callable
        The decorator.
    """

    def decorate(write: Callable[..., str]) -> Callable[..., str]:
        @wraps(write)
        def written(value, *args, **kwargs) -> str:
            if value is None or not defined(value):
                return MISSING
            return write(value, *args, **kwargs)

        return written

    return decorate


@missing_unless(math.isfinite)
def fmt(value: float | None, digits: int = 3) -> str:
    """A number for prose and tables; :data:`MISSING` where there is none.

    Fixed point with ``digits`` decimals, or 3 significant digits in scientific
    notation where fixed point would be unreadable (``4.88e+17``, ``2.1e-06``).

    Parameters
    ----------
    value : float or None
    digits : int
        Decimals of the fixed-point text.

    Returns
    -------
    str
    """
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    return f"{value:.{digits}f}"


@missing_unless(math.isfinite)
def scientific(value: float | None) -> str:
    """A small difference in scientific notation, e.g. ``3.41e-13``.

    Parameters
    ----------
    value : float or None
        A difference between two runs' numbers, often below 1e-10.

    Returns
    -------
    str
        ``0`` for zero; :data:`MISSING` for a value that is not finite.
    """
    return "0" if value == 0 else f"{value:.2e}"


@missing_unless(lambda value: not math.isnan(value))
def exact(value: float | None) -> str:
    """Every digit of a float, e.g. ``0.6931471805599453``.

    Parameters
    ----------
    value : float or None

    Returns
    -------
    str
        Its shortest round-trip text; ``inf`` for an infinity, :data:`MISSING` for NaN.
    """
    return repr(float(value))


def percent(fraction: float, digits: int = 0) -> str:
    """A fraction as a percentage, e.g. ``95%`` for 0.95.

    Parameters
    ----------
    fraction : float
    digits : int
        Decimals of the percentage.

    Returns
    -------
    str
    """
    return f"{fraction:.{digits}%}"


def significant(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits; ``overflow`` for an infinity,
    ``not measured`` for a missing value.

    Parameters
    ----------
    value : float or None
    digits : int
        Significant digits.

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
