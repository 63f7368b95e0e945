"""Glorot & Bengio (2010), Figs. 6-7, at initialization: the spread of every layer's activations
and back-propagated gradients of fresh networks (tanh in the paper), beside mean-field theory.

Glorot & Bengio compared two rules for a network with ``n`` units in every layer:

- the "standard" ``W ~ U[-1/sqrt(n_in), 1/sqrt(n_in)]``, variance ``1 / (3 n_in)``, so that
  ``sigma_w^2 = n_in Var(W) = 1/3``;
- their "normalized" ``W ~ U[-sqrt(6 / (n_in + n_out)), sqrt(6 / (n_in + n_out))]``,
  variance ``2 / (n_in + n_out)``, ``sigma_w^2 = 1`` at equal widths.

Both are declared initializers here (variance-scaling rules with a uniform distribution, given
in the config under ``depth_study.glorot_bengio.rules`` and registered by :func:`declare_rules`
in the jobs that need them, :mod:`initstudy.model.declared`).
:mod:`initstudy.theory.depth_glorot_measure` measures their networks (one forward and backward
pass of the trainer's NumPy networks, with the hidden layers' activation of the setting); this
module states what mean-field theory predicts (:func:`layer_theory`) and sets the two side by
side (:func:`layer_summary`), with zero biases:

- forward: from the first layer's measured second moment ``q_1`` of the pre-activations,
  ``q_{l+1} = sigma_w^2 E[phi(sqrt(q_l) z)^2]`` (:func:`initstudy.theory.mean_field.length_map`,
  ``sigma_w^2 = n_l Var(W_{l+1})``); the activations' second moment is
  ``E[phi(sqrt(q_l) z)^2]``, ``z ~ N(0, 1)``;
- backward: the loss gradient ``g_l = dL/dz_l`` has second moment
  ``G_l = G_{l+1} chi_l`` with ``chi_l = n_{l+1} Var(W_{l+1}) E[phi'(sqrt(q_l) z)^2]``
  (:func:`initstudy.theory.mean_field.chi_1` at ``q_l``), started from the measured
  second moment of the output logit's gradient. For tanh at ``sigma_b = 0`` and
  ``sigma_w^2 < 1``, ``q_l -> 0`` and ``chi_l -> sigma_w^2``: under the standard rule the
  gradient's root mean square shrinks by about ``sqrt(1/3) = 0.577`` per layer toward the
  input, under the normalized rule by ``sqrt(E[tanh'^2]) < 1``, close to 1 while ``q_l`` is small.

The theory assumes Gaussian pre-activations, which a layer fed by many units has (a sum of
many independent terms) but the first layer of the circles' 2-D inputs has not: its ``z_1``
sums two uniform weights times the input. The tables carry the first layer's measured and
predicted activation moment, so that this first step's error is stated, not hidden.

Statistics over seeds are the mean and a Student-t confidence interval of the mean (each seed
is one independent network).
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pandas as pd

from initstudy.model.activations import lookup_activation
from initstudy.model.declared import InitializerError, declare_initializers
from initstudy.model.init import REGISTRY, base_std
from initstudy.theory.mean_field import chi_1, gaussian_expectation, length_map

#: Columns of the per-network table: one row per rule, depth, seed and layer (the last the output).
LAYER_COLUMNS = (
    "init",
    "activation",
    "depth",
    "width",
    "seed",
    "layer",
    "fan_in",
    "fan_out",
    "forward_second_moment",
    "activation_second_moment",
    "backward_second_moment",
    "weight_gradient_norm",
)
#: Columns of the histogram table: the distribution over units, examples and seeds, per layer.
HISTOGRAM_COLUMNS = ("init", "depth", "quantity", "layer", "bin_left", "bin_right", "density")
#: What the histograms are of: the hidden activations ``phi(z_l)`` and the gradients ``dL/dz_l``.
QUANTITIES = ("activation", "gradient")

#: The rules this process has registered by :func:`declare_rules`, name -> spec.
_DECLARED: dict[str, dict] = {}


def declare_rules(rules: dict) -> list[str]:
    """Register the rules of ``depth_study.glorot_bengio.rules`` (name -> an initializer spec,
    as under ``initializers``) in this process, so that they draw, plot and report as any
    initializer does.

    Declaring the same rules again is a no-op; a name that is already registered otherwise
    (a built-in initializer, or one the config declares under ``initializers``) is refused,
    so that one name never means two rules.

    Parameters
    ----------
    rules : dict
        Name -> spec (:func:`initstudy.model.declared.declare_initializers`).

    Returns
    -------
    list of str
        The names, in order.

    Raises
    ------
    InitializerError
        Naming the key, the value given and what is allowed.
    """
    fresh = {}
    for name, spec in rules.items():
        if _DECLARED.get(name) == spec and name in REGISTRY:
            continue
        if name in REGISTRY:
            raise InitializerError(
                f"config key 'depth_study.glorot_bengio.rules.{name}': got the name {name!r}, "
                "which is already an initializer's; allowed: a name of its own"
            )
        fresh[name] = spec
    try:
        declare_initializers(fresh)
    except InitializerError as error:
        raise InitializerError(
            str(error).replace(
                "config key 'initializers.", "config key 'depth_study.glorot_bengio.rules."
            )
        ) from None
    _DECLARED.update(fresh)
    return list(rules)


def layer_theory(
    init: str, widths: list[int], q_first: float, output_gradient: float, activation: str = "tanh"
) -> pd.DataFrame:
    """Mean-field theory's second moments of every hidden layer, at zero biases.

    Parameters
    ----------
    init : str
        The initializer (its base std at scale 1 gives every layer's ``Var(W)``).
    widths : list of int
        ``[n_0, n_1, ..., n_L, n_out]`` (:func:`initstudy.theory.depth_theory.layer_widths`).
    q_first : float
        The first layer's measured second moment of the pre-activations, where the
        length map starts.
    output_gradient : float
        The measured second moment of the output logit's gradient, where the backward
        recursion starts.
    activation : str

    Returns
    -------
    pandas.DataFrame
        One row per hidden layer ``l = 1 .. L``: ``layer``, ``sigma_w2`` (``n_{l-1} Var(W_l)``,
        the length map's into layer ``l``; for ``l = 1`` the input layer's), ``backward_sigma_w2``
        (``n_{l+1} Var(W_{l+1})``), ``q`` (``q_1 = q_first``, then the length map),
        ``activation_second_moment`` (``E[phi(sqrt(q_l) z)^2]``), ``chi``
        (``backward_sigma_w2 E[phi'(sqrt(q_l) z)^2]``) and ``backward_second_moment``
        (``output_gradient`` times the product of ``chi`` from layer ``l`` to ``L``).
    """
    phi = lookup_activation(activation).function
    depth = len(widths) - 2
    variance = [base_std(init, n_in, n_out) ** 2 for n_in, n_out in pairwise(widths)]
    sigma_w2 = [widths[l] * variance[l] for l in range(depth)]
    backward = [widths[l + 2] * variance[l + 1] for l in range(depth)]
    q = [float(q_first)]
    for l in range(1, depth):
        q.append(length_map(q[-1], sigma_w2[l], 0.0, activation))
    moment = [gaussian_expectation(lambda u: phi(u) ** 2, length) for length in q]
    chi = [chi_1(length, back, activation) for length, back in zip(q, backward)]
    gradient = float(output_gradient) * np.cumprod(chi[::-1])[::-1]
    return pd.DataFrame(
        {
            "layer": np.arange(1, depth + 1),
            "sigma_w2": sigma_w2,
            "backward_sigma_w2": backward,
            "q": q,
            "activation_second_moment": moment,
            "chi": chi,
            "backward_second_moment": gradient,
        }
    )


#: Columns of the summary: one row per rule, depth and hidden layer; measured means over seeds
#: with the ``_low``/``_high`` confidence interval of the mean, beside the theory.
SUMMARY_COLUMNS = (
    "init",
    "activation",
    "depth",
    "width",
    "layer",
    "n_seeds",
    "sigma_w2",
    "backward_sigma_w2",
    "q_mean",
    "q_theory",
    *(
        f"{name}_{part}"
        for name in ("activation_rms", "activation_to_first", "gradient_rms", "gradient_to_top")
        for part in ("mean", "low", "high", "theory")
    ),
    "gradient_ratio_mean",
    "gradient_ratio_low",
    "gradient_ratio_high",
    "gradient_ratio_theory",
)


def layer_summary(layers: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Measured spread of every hidden layer against :func:`layer_theory`, per rule and depth.

    Per seed and hidden layer ``l``: the root mean squares of the activations ``a_l`` and of
    the gradients ``g_l = dL/dz_l`` over units and examples, ``a_l / a_1`` (relative to
    the first layer), ``g_l / g_L`` (relative to the last hidden layer) and, for ``l < L``,
    ``g_l / g_{l+1}`` (the factor by which the gradient's root mean square changes from
    one layer down to the next). Theory's counterparts are square roots of
    :func:`layer_theory`'s second moments, started from the seeds' mean ``q_1`` and output
    gradient.

    Parameters
    ----------
    layers : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_glorot_measure.measure_layers` (columns
        :data:`LAYER_COLUMNS`), any rules and depths.
    level : float
        Coverage of the confidence interval of the mean over seeds (Student t).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`, by rule and depth in order of appearance, then layer.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    keys = ["init", "activation", "depth", "width"]
    frames = [
        _shape_summary(init, activation, int(depth), int(width), shape, level)
        for (init, activation, depth, width), shape in layers.groupby(keys, sort=False)
    ]
    return pd.concat(frames, ignore_index=True)[list(SUMMARY_COLUMNS)]


def _shape_summary(init, activation, depth, width, shape, level) -> pd.DataFrame:
    ordered = shape.sort_values(["seed", "layer"], kind="stable")
    n_seeds = ordered["seed"].nunique()

    def by_seed(column: str) -> np.ndarray:
        return ordered[column].to_numpy(dtype=float).reshape(n_seeds, -1)

    q, a2, g2 = (by_seed(c) for c in ("forward_second_moment", "activation_second_moment",
                                      "backward_second_moment"))  # fmt: skip
    widths = [*ordered["fan_in"].iloc[: depth + 1].astype(int), int(ordered["fan_out"].iloc[depth])]
    theory = layer_theory(init, widths, q[:, 0].mean(), g2[:, depth].mean(), activation)
    a, g = np.sqrt(a2[:, :depth]), np.sqrt(g2[:, :depth])
    a_th = np.sqrt(theory["activation_second_moment"].to_numpy())
    g_th = np.sqrt(theory["backward_second_moment"].to_numpy())
    with np.errstate(all="ignore"):
        ratio = np.column_stack([g[:, :-1] / g[:, 1:], np.full(n_seeds, math.nan)])
        ratio_th = np.append(g_th[:-1] / g_th[1:], math.nan)
        measured = {
            "activation_rms": (a, a_th),
            "activation_to_first": (a / a[:, :1], a_th / a_th[0]),
            "gradient_rms": (g, g_th),
            "gradient_to_top": (g / g[:, -1:], g_th / g_th[-1]),
            "gradient_ratio": (ratio, ratio_th),
        }
    table = pd.DataFrame(
        {
            "init": init,
            "activation": activation,
            "depth": depth,
            "width": width,
            "layer": np.arange(1, depth + 1),
            "n_seeds": n_seeds,
            "sigma_w2": theory["sigma_w2"],
            "backward_sigma_w2": theory["backward_sigma_w2"],
            "q_mean": q[:, :depth].mean(axis=0),
            "q_theory": theory["q"],
        }
    )
    for name, (values, predicted) in measured.items():
        mean, low, high = _mean_interval(values, level)
        table[f"{name}_mean"], table[f"{name}_low"], table[f"{name}_high"] = mean, low, high
        table[f"{name}_theory"] = predicted
    return table


def _mean_interval(values: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """Per column: mean over the finite seeds and its Student-t interval (NaN below 2 seeds)."""
    # Imported here: the Snakefile imports this module (declare_rules), and scipy.stats would
    # add half a second to every Snakemake start.
    from scipy import stats

    mean, low, high = (np.full(values.shape[1], math.nan) for _ in range(3))
    for k in range(values.shape[1]):
        column = values[:, k][np.isfinite(values[:, k])]
        if column.size:
            mean[k] = column.mean()
        if column.size > 1:
            half = stats.t.ppf((1 + level) / 2, column.size - 1) * column.std(ddof=1)
            low[k], high[k] = (
                mean[k] - half / math.sqrt(column.size),
                mean[k] + half / math.sqrt(column.size),
            )
    return mean, low, high
