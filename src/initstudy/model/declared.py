"""Initializers declared in a config, the way Keras and PyTorch define them.

A config's ``initializers`` mapping names its own initializers; each becomes
one more :class:`initstudy.model.init.Initializer` in :data:`initstudy.model.init.REGISTRY`
(:func:`declare_initializers`), so it is drawn, checked, plotted and reported
wherever a registered name is: in the grid, as the reference cell and in the
depth study.

- ``variance_scaling``: weights of variance ``scale / n`` (times the grid's
  scale squared), ``n`` the fan chosen by ``mode`` (``fan_in``, ``fan_out`` or
  their mean ``fan_avg``), drawn from a ``normal``, a ``truncated_normal``
  (within 2 std, rescaled by :data:`initstudy.model.init.TRUNCATED_STD` so the
  variance is still ``scale / n``) or a ``uniform`` distribution on
  ``[-sqrt(3 scale / n), sqrt(3 scale / n)]``: Keras' ``VarianceScaling``
  (He normal is ``scale: 2, mode: fan_in, distribution: truncated_normal``
  there, ``normal`` here).
- ``orthogonal``: ``gain`` times an orthogonal matrix (PyTorch's
  ``orthogonal_(gain=...)``; the usual ReLU gain is sqrt(2)).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from initstudy.model.init import INITIALIZERS, REGISTRY, TRUNCATED_STD, Initializer, Kind

#: Kinds of initializer a config can declare, and the keys each one needs.
DECLARED_KEYS = {
    "variance_scaling": ("scale", "mode", "distribution"),
    "orthogonal": ("gain",),
}
#: The fan a variance-scaling rule divides by: (fan_in, fan_out) -> n.
FAN_MODES: dict[str, Callable[[int, int], float]] = {
    "fan_in": lambda fan_in, fan_out: fan_in,
    "fan_out": lambda fan_in, fan_out: fan_out,
    "fan_avg": lambda fan_in, fan_out: (fan_in + fan_out) / 2,
}
#: A variance-scaling distribution -> (registry kind, the unit draw in the formula).
DISTRIBUTIONS: dict[str, tuple[Kind, str]] = {
    "normal": ("gaussian", "N(0, 1)"),
    "truncated_normal": ("truncated_normal", f"TN(0, 1; ±2) / {TRUNCATED_STD:.4f}"),
    "uniform": ("uniform", "sqrt(3) · U(-1, 1)"),
}
#: Colours of declared initializers without a ``color`` key, in declaration order.
DECLARED_COLORS = ("#56B4E9", "#F0E442", "#882255", "#44AA99", "#117733", "#AA4499")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


class InitializerError(ValueError):
    """An initializer declaration the study cannot use."""


def declare_initializers(specs: dict) -> list[str]:
    """Add the initializers a config declares (its ``initializers`` mapping) to the registry.

    Parameters
    ----------
    specs : dict
        Name -> spec. A ``variance_scaling`` spec has ``scale`` (> 0), ``mode``
        (``fan_in``, ``fan_out`` or ``fan_avg``) and ``distribution`` (``normal``,
        ``truncated_normal`` or ``uniform``): weights of variance ``scale / n``,
        ``n`` the chosen fan. An ``orthogonal`` spec has ``gain`` (> 0). Either
        may set ``color`` (a hex colour) and ``description``. Declaring a name
        again replaces its entry; registered names cannot be replaced.

    Returns
    -------
    list of str
        The declared names, in order.

    Raises
    ------
    InitializerError
        Naming the key, the value given and what is allowed.
    """
    if not isinstance(specs, dict):
        _refuse("initializers", specs, "a mapping from a name to an initializer spec")
    entries = [
        _declared_entry(name, spec, DECLARED_COLORS[index % len(DECLARED_COLORS)])
        for index, (name, spec) in enumerate(specs.items())
    ]
    for entry in entries:
        REGISTRY[entry.name] = entry
    return [entry.name for entry in entries]


def _declared_entry(name: object, spec: object, color: str) -> Initializer:
    key = f"initializers.{name}"
    if not isinstance(name, str) or not _NAME.match(name):
        _refuse(key, name, "a name of lowercase letters, digits and _, starting with a letter")
    if name in INITIALIZERS:
        _refuse(key, name, "a name that is not a registered initializer's")
    if not isinstance(spec, dict):
        _refuse(key, spec, "a mapping with the key kind")
    kind = spec.get("kind")
    if kind not in DECLARED_KEYS:
        _refuse(f"{key}.kind", kind, "one of " + ", ".join(DECLARED_KEYS))
    needed = DECLARED_KEYS[kind]
    for extra in sorted(set(spec) - {"kind", "color", "description", *needed}):
        _refuse(f"{key}.{extra}", spec[extra], f"the keys of {kind}: " + ", ".join(needed))
    for missing in needed:
        if missing not in spec:
            raise InitializerError(
                f"config key '{key}.{missing}': missing; a {kind} initializer needs "
                + ", ".join(needed)
            )
    for number in ("scale", "gain"):
        value = spec.get(number, 1.0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            _refuse(f"{key}.{number}", value, "a number > 0")
    common = dict(name=name, color=spec.get("color", color), description=spec.get("description"))
    if kind == "orthogonal":
        gain = float(spec["gain"])
        return Initializer(
            kind="orthogonal",
            base_std=lambda fan_in, fan_out: gain * math.sqrt(1.0 / max(fan_in, fan_out)),
            formula=f"W_l = scale · {gain:g} · Q, Q orthogonal (QR of a Gaussian, signs fixed)",
            gain=gain,
            **{**common, "description": common["description"] or f"orthogonal, gain {gain:g}"},
        )
    return _variance_scaling(key, spec, common)


def _variance_scaling(key: str, spec: dict, common: dict) -> Initializer:
    mode, distribution = spec["mode"], spec["distribution"]
    if mode not in FAN_MODES:
        _refuse(f"{key}.mode", mode, "one of " + ", ".join(FAN_MODES))
    if distribution not in DISTRIBUTIONS:
        _refuse(f"{key}.distribution", distribution, "one of " + ", ".join(DISTRIBUTIONS))
    variance, fan = float(spec["scale"]), FAN_MODES[mode]
    kind, unit = DISTRIBUTIONS[distribution]
    n = {"fan_in": "fan_in", "fan_out": "fan_out", "fan_avg": "((fan_in + fan_out) / 2)"}[mode]
    described = f"variance scaling: variance {variance:g} / {mode}, {distribution}"
    return Initializer(
        kind=kind,
        base_std=lambda fan_in, fan_out: math.sqrt(variance / fan(fan_in, fan_out)),
        formula=f"W_l = scale · sqrt({variance:g} / {n}) · {unit}",
        **{**common, "description": common["description"] or described},
    )


def _refuse(key: str, value: object, allowed: str) -> None:
    raise InitializerError(f"config key '{key}': got {value!r}; allowed: {allowed}")
