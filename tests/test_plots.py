"""Tests of the figures on small real results: panels, labels, NaN safety, PNG output."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy import plots, plots_accuracy, plots_depth, plots_plane, plots_training
from initstudy.cell import train_cell
from initstudy.data import make_dataset
from initstudy.depth_signal import measure_signal, signal_ratios
from initstudy.depth_training import summarize_depths, train_depth
from initstudy.init import INITIALIZERS
from initstudy.labels import TIMES, format_scale
from initstudy.outcomes import classify, majority_rate
from initstudy.stats import summarize
from initstudy.train import TrainSettings, predict

SEEDS = [0, 3]
NOTEBOOK = [("zeros", 1.0), ("random", 10.0), ("he", 1.0)]
# random x1e200 overflows in the first forward pass: a real cell whose every run diverged.
GRID = [("zeros", 1.0), ("random", 10.0), ("random", 1e200), ("he", 0.5), ("he", 1.0)]
GRID += [("orthogonal", 2.0)]
X = TIMES  # the multiplication sign of the labels, e.g. "he ×1"


@pytest.fixture(scope="module")
def study():
    """Train a tiny grid and build its tables as the workflow does."""
    dataset = make_dataset(60, 40, 0.05, 1, 2)
    results = {
        (init, scale): train_cell(
            dataset, init, scale, SEEDS, TrainSettings([2, 4, 3, 1], 0.05, 60, 20)
        )
        for init, scale in GRID
    }
    runs = pd.concat([r.runs for r in results.values()], ignore_index=True)
    costs = pd.concat([r.costs for r in results.values()], ignore_index=True)
    runs["status"] = classify(runs, majority_rate(dataset.y_test), 0.05)
    summary = summarize(runs, 0.9, 50, 0, 0.95)
    return {
        "dataset": dataset,
        "results": results,
        "runs": runs,
        "costs": costs,
        "summary": summary,
    }


def texts(fig):
    """Every piece of text drawn on the figure (titles, labels, ticks, notes, legends)."""
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def check_saves(fig, tmp_path, name="figure.png"):
    path = tmp_path / name
    plots.save_figure(fig, path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left
    joined = " ".join(texts(fig)).lower()
    assert "nan" not in joined
    return data


def test_every_initializer_has_its_own_colour():
    assert set(plots.COLORS) == set(INITIALIZERS)
    assert len(set(plots.COLORS.values())) == len(plots.COLORS)
    assert plots.init_color("unknown") == plots.FALLBACK_COLOR


def test_the_study_contains_a_diverged_cell(study):
    cell = study["runs"][study["runs"]["scale"] == 1e200]
    assert (cell["status"] == "diverged").all() and cell["test_accuracy"].isna().all()


def test_dataset_figure_has_train_and_test_panels(study, tmp_path):
    fig = plots_plane.plot_dataset(study["dataset"], noise=0.05)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["train split: 60 points", "test split: 40 points"]
    for ax in axes:
        assert len(ax.collections) == 2  # one scatter per class
        assert ax.get_aspect() == 1.0
        assert len(ax.get_legend().get_texts()) == 2
    assert "noise std 0.05" in fig.get_suptitle()
    check_saves(fig, tmp_path)


def test_saved_png_is_deterministic(study, tmp_path):
    first = plots_plane.plot_dataset(study["dataset"])
    second = plots_plane.plot_dataset(study["dataset"])
    a = check_saves(first, tmp_path, "a.png")
    b = check_saves(second, tmp_path, "b.png")
    assert a == b


def test_notebook_costs_draw_present_runs_and_mark_missing_ones(study, tmp_path):
    costs = study["costs"][study["costs"]["init"] != "he"]  # he x1 absent from this grid
    fig = plots_training.plot_notebook_costs(costs, 3, NOTEBOOK)
    axes = fig.get_axes()
    assert len(axes) == 3
    assert axes[0].get_yscale() == "log"
    assert [len(ax.get_lines()) for ax in axes] == [2, 2, 0]  # curve + ln 2 line; none
    assert "not in this grid" in " ".join(t.get_text() for t in axes[2].texts)
    assert axes[0].get_title() == f"zeros {X}1, seed 3"
    _, y = axes[1].get_lines()[0].get_data()
    expected = costs[(costs["init"] == "random") & (costs["scale"] == 10.0) & (costs["seed"] == 3)]
    np.testing.assert_array_equal(y, expected["cost"].to_numpy())
    check_saves(fig, tmp_path)


def test_notebook_costs_survive_a_diverged_run(study, tmp_path):
    fig = plots_training.plot_notebook_costs(study["costs"], 3, [("random", 1e200)])
    ax = fig.get_axes()[0]
    assert "diverged at iteration 0" in " ".join(t.get_text() for t in ax.texts)
    check_saves(fig, tmp_path)


def _panels(study, cells):
    panels = []
    for init, scale, role in cells:
        result = study["results"][init, scale]
        k = plots_plane.pick_network(SEEDS, 3)
        row = result.runs.iloc[k]
        panels.append(
            plots_plane.BoundaryPanel(
                init,
                scale,
                SEEDS[k],
                [W[k : k + 1] for W in result.weights],
                [b[k : k + 1] for b in result.biases],
                float(row["train_accuracy"]),
                float(row["test_accuracy"]),
                role,
            )
        )
    return panels


def test_boundary_cells_are_the_notebook_runs_then_each_other_best(study):
    cells = plots_plane.boundary_cells(study["summary"], NOTEBOOK)
    assert cells[:3] == [(init, scale, "notebook run") for init, scale in NOTEBOOK]
    # orthogonal is the only other initializer; its one cell is its best
    assert cells[3:] == [("orthogonal", 2.0, "best scale of orthogonal")]
    # without the notebook's he x1, he's best finite cell is shown instead
    summary = study["summary"][
        ~((study["summary"]["init"] == "he") & (study["summary"]["scale"] == 1))
    ]
    assert ("he", 0.5, "best scale of he") in plots_plane.boundary_cells(summary, NOTEBOOK)
    # an initializer whose only cell diverged everywhere is left out
    only = study["summary"][study["summary"]["scale"] == 1e200]
    assert plots_plane.boundary_cells(only, NOTEBOOK) == []


def test_pick_network_falls_back_to_the_first_seed():
    assert plots_plane.pick_network(np.array([0, 3]), 3) == 1
    assert plots_plane.pick_network(np.array([5, 7]), 3) == 0


def test_decision_boundaries_show_regions_points_and_accuracies(study, tmp_path):
    cells = plots_plane.boundary_cells(study["summary"], NOTEBOOK)
    cells.append(("random", 1e200, "diverged example"))
    fig = plots_plane.plot_decision_boundaries(
        study["dataset"], _panels(study, cells), resolution=60
    )
    axes = fig.get_axes()
    assert len(axes) == len(cells) == 5
    for ax, (init, scale, _) in zip(axes[:4], cells[:4], strict=True):
        assert ax.get_title().startswith(f"{init} {X}{format_scale(scale)}, seed 3")
        assert "train acc" in ax.get_title() and "test acc" in ax.get_title()
        assert len(ax.collections) == 3  # decision mesh + two classes of points
        assert ax.get_xlim() == plots_plane.BOUNDARY_EXTENT
    diverged = axes[4]
    assert "diverged" in diverged.get_title()
    assert len(diverged.collections) == 2  # points only, no mesh
    check_saves(fig, tmp_path)


def test_decision_regions_match_the_networks_predictions(study):
    panel = _panels(study, [("orthogonal", 2.0, "")])[0]
    fig = plots_plane.plot_decision_boundaries(study["dataset"], [panel], resolution=40)
    mesh = fig.get_axes()[0].collections[0].get_array().reshape(40, 40)
    xx, yy = np.meshgrid(np.linspace(-1.5, 1.5, 40), np.linspace(-1.5, 1.5, 40))
    labels = predict(panel.weights, panel.biases, np.vstack([xx.ravel(), yy.ravel()]))
    np.testing.assert_array_equal(mesh, labels[0].reshape(40, 40))


def test_accuracy_vs_scale_has_two_log_panels_and_a_legend(study, tmp_path):
    fig = plots_accuracy.plot_accuracy_vs_scale(study["summary"], 0.9, 0.95)
    acc, success = fig.get_axes()
    for ax in (acc, success):
        assert ax.get_xscale() == "log"
        assert ax.get_xlabel() == f"scale ({X} base std, log)"
    assert "95% bootstrap CI" in acc.get_ylabel() and "Wilson" in success.get_ylabel()
    legend = [t.get_text() for t in acc.get_legend().get_texts()]
    assert legend == ["zeros", "random", "he", "orthogonal", "success threshold 0.9"]
    # he has two finite cells: a line with two points and a CI band
    (he_line,) = [line for line in acc.get_lines() if line.get_label() == "he"]
    assert len(he_line.get_xdata()) == 2
    assert any(list(line.get_ydata()) == [0.9, 0.9] for line in success.get_lines())
    check_saves(fig, tmp_path)


def test_heatmap_annotates_values_and_success_counts(study, tmp_path):
    summary = study["summary"]
    fig = plots_accuracy.plot_heatmap(summary, 0.9)
    ax = fig.get_axes()[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["zeros", "random", "he", "orthogonal"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.5", "1", "2", "10", "1e+200"]
    notes = [t.get_text() for t in ax.texts]
    assert len(notes) == len(summary)
    row = summary[(summary["init"] == "he") & (summary["scale"] == 1.0)].iloc[0]
    expected = f"{row['test_accuracy_mean']:.2f}\n{int(row['n_success'])}/2"
    assert expected in notes
    assert "diverged\n0/2" in notes
    image = ax.get_images()[0].get_array()
    assert image.mask[0, 0] and not image.mask[0, 1]  # zeros has no x0.5 cell: blank
    check_saves(fig, tmp_path)


def test_nearest_scale_works_on_a_log_axis():
    assert plots_training.nearest_scale([0.25, 1.0, 4.0]) == 1.0
    assert plots_training.nearest_scale([0.5, 4.0]) == 0.5
    assert plots_training.nearest_scale([0.5, 2.0]) == 0.5  # tie: the smaller one
    assert plots_training.nearest_scale([10.0]) == 10.0
    with pytest.raises(ValueError):
        plots_training.nearest_scale([])


def test_cost_quantiles_skip_diverged_seeds(study):
    costs = study["costs"]
    cell = costs[(costs["init"] == "he") & (costs["scale"] == 1.0)]
    q = plots_training.cost_quantiles(cell)
    assert list(q["iteration"]) == [0, 20, 40, 60]
    first = cell[cell["iteration"] == 0]["cost"]
    assert q["median"].iloc[0] == pytest.approx(first.median())
    dead = plots_training.cost_quantiles(costs[costs["scale"] == 1e200])
    assert dead["median"].isna().all() and (dead["n_finite"] == 0).all()


def test_cost_curves_one_panel_per_initializer_at_scale_one(study, tmp_path):
    fig = plots_training.plot_cost_curves(study["costs"])
    axes = fig.get_axes()
    titles = [ax.get_title() for ax in axes]
    cells = ["zeros", 1], ["random", 10], ["he", 1], ["orthogonal", 2]
    assert titles == [f"{init} {X}{scale} (2 seeds)" for init, scale in cells]
    assert axes[0].get_yscale() == "log"
    he = axes[2]
    # two faint seed lines, the ln 2 line and the median
    assert len(he.get_lines()) == 4
    check_saves(fig, tmp_path)


def test_initial_cost_panels_and_reference_line(study, tmp_path):
    fig = plots_training.plot_initial_cost(study["runs"])
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["zeros", "random", "he", "orthogonal"]
    assert axes[0].get_yscale() == "log"
    for ax in axes:
        assert any(list(line.get_ydata()) == [math.log(2)] * 2 for line in ax.get_lines())
    # random: only x10 has finite initial costs; x1e200 is counted as not shown
    assert len(axes[1].collections) == 2  # scatter + median bar
    assert "2 non-finite costs not shown" in fig.get_suptitle()
    check_saves(fig, tmp_path)


def test_a_grid_of_only_diverged_cells_draws_every_figure(study, tmp_path):
    runs = study["runs"][study["runs"]["scale"] == 1e200]
    costs = study["costs"][study["costs"]["scale"] == 1e200]
    summary = study["summary"][study["summary"]["scale"] == 1e200]
    figures = {
        "notebook": plots_training.plot_notebook_costs(costs, 3, NOTEBOOK),
        "boundaries": plots_plane.plot_decision_boundaries(study["dataset"], [], resolution=10),
        "accuracy": plots_accuracy.plot_accuracy_vs_scale(summary, 0.9, 0.95),
        "heatmap": plots_accuracy.plot_heatmap(summary, 0.9),
        "costs": plots_training.plot_cost_curves(costs),
        "initial": plots_training.plot_initial_cost(runs),
    }
    for name, fig in figures.items():
        check_saves(fig, tmp_path, f"{name}.png")
    assert "every seed diverged" in " ".join(t.get_text() for t in figures["costs"].axes[0].texts)


# --- the depth study's figures ---------------------------------------------------

DEPTH_CELLS = [("he", 1.0), ("random", 1e100)]  # random x1e100 overflows within a few layers


@pytest.fixture(scope="module")
def depth_study(study):
    """Signal, ratio and summary tables of a tiny real depth study."""
    dataset = study["dataset"]
    X, y = dataset.X_train.T, dataset.y_train
    signal = pd.concat(
        [
            measure_signal(X, y, init, scale, depth, 6, [0, 1, 2])
            for init, scale in DEPTH_CELLS
            for depth in (2, 4)
        ],
        ignore_index=True,
    )
    settings = TrainSettings((), 0.05, 40, 20)
    runs = pd.concat(
        [
            train_depth(dataset, init, scale, depth, 4, SEEDS, settings).runs
            for init, scale in DEPTH_CELLS
            for depth in (1, 3)
        ],
        ignore_index=True,
    )
    _, summary = summarize_depths(runs, majority_rate(dataset.y_test), 0.05, 0.9, 50, 0)
    return {"signal": signal, "ratios": signal_ratios(signal, 0.9), "summary": summary}


def test_signal_figure_draws_seeds_median_mean_and_theory_per_shape(depth_study, tmp_path):
    signal = depth_study["signal"]
    fig = plots_depth.plot_signal(signal, depth_study["ratios"], 0.9)
    he, random = fig.get_axes()
    ratio = depth_study["ratios"].set_index(["init", "depth"]).loc[("he", 4)]
    assert he.get_title() == (
        f"he {X}1: ratio {ratio['ratio_mean']:.3g}/layer (theory {ratio['predicted_ratio']:.3g})"
    )
    assert ratio["predicted_ratio"] == 1.0
    assert random.get_title() == f"random {X}1e+100"  # no finite ratio to quote
    assert he.get_yscale() == "log"
    # three seeds (fewer than N_TRACES), the median, the mean and the theory
    assert len(he.get_lines()) == 3 + 3
    rows = signal[(signal["init"] == "he") & (signal["depth"] == 4)]
    median = rows.groupby("layer")["forward_second_moment"].median().to_numpy()
    (median_line,) = [line for line in he.get_lines() if line.get_label() == "median over seeds"]
    np.testing.assert_allclose(median_line.get_ydata(), median, rtol=1e-12)
    assert [t.get_text() for t in random.texts] == ["3 of 3 seeds overflowed (not drawn)"]
    assert "4 hidden layers of width 6 (3 seeds" in fig.get_suptitle()
    check_saves(fig, tmp_path)


def test_gradient_figure_has_one_median_line_per_depth(depth_study, tmp_path):
    signal = depth_study["signal"]
    fig = plots_depth.plot_gradients(signal)
    he, random = fig.get_axes()
    assert [line.get_label() for line in he.get_lines()] == ["2", "4"]
    deep = signal[(signal["init"] == "he") & (signal["depth"] == 4)]
    median = deep.groupby("layer")["weight_gradient_norm"].median().to_numpy()
    np.testing.assert_allclose(he.get_lines()[1].get_ydata(), median, rtol=1e-12)
    assert [t.get_text() for t in random.texts] == [
        "6 networks with non-finite gradients (not drawn)"
    ]
    check_saves(fig, tmp_path)


def test_accuracy_against_depth_shares_the_panels_of_the_scale_figure(depth_study, tmp_path):
    summary = depth_study["summary"]
    fig = plots_accuracy.plot_accuracy_vs_depth(summary, 0.9, 0.95)
    acc, success = fig.get_axes()
    for ax in (acc, success):
        assert ax.get_xscale() == "log"
        assert ax.get_xlabel() == "hidden layers (log)"
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "3"]
        assert ax.get_xlim() == pytest.approx((1 / 1.25, 3 * 1.25))
    assert success.get_ylim() == (-0.04, 1.04)  # as in the scale figure
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    # two scales: cells are named with their scale; one that diverged says at which depths
    random = summary[summary["init"] == "random"]
    assert random["test_accuracy_mean"].isna().tolist() == [False, True]
    assert legend == [
        f"he {X}1",
        f"random {X}1e+100",
        f"random {X}1e+100: no finite run at depth 3",
    ]
    he = summary[summary["init"] == "he"].sort_values("depth")
    (bars,) = [c for c in acc.containers if c.get_label() == f"he {X}1"]
    np.testing.assert_allclose(bars.lines[0].get_ydata(), he["test_accuracy_mean"], rtol=1e-12)
    check_saves(fig, tmp_path)


def test_one_accuracy_panel_function_takes_the_x_axis_as_a_parameter(study):
    summary = study["summary"]
    series = [plots_accuracy.Series("he", summary[summary["init"] == "he"], {"color": "k"})]
    for axis, ticks in ((plots_accuracy.SCALE_AXIS, ["0.5", "1"]),):
        _, acc, success = plots_accuracy.plot_accuracy_panels(series, axis, (4, 3))
        assert [t.get_text() for t in success.get_xticklabels()] == ticks
        assert acc.get_xlabel() == axis.label
    depth = summary.assign(depth=[2, 4, 8, 16, 32, 64][: len(summary)])
    series = [plots_accuracy.Series("all", depth, {"color": "k"})]
    _, acc, _ = plots_accuracy.plot_accuracy_panels(series, plots_accuracy.DEPTH_AXIS, (4, 3))
    assert [t.get_text() for t in acc.get_xticklabels()] == ["2", "4", "8", "16", "32", "64"]
    (bars,) = acc.containers  # error bars, not a band, on the depth axis
    assert len(bars.lines[0].get_xdata()) == np.isfinite(summary["test_accuracy_mean"]).sum()
