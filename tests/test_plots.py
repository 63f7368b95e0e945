"""Tests of the figures on small real results: panels, facets, labels, NaN safety, PNG output."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis.analysis import AnalysisSettings, analyse
from initstudy.grid.grid import add_axis_columns
from initstudy.model.cell import train_cell
from initstudy.model.data import make_dataset
from initstudy.model.init import INITIALIZERS
from initstudy.model.train import TrainSettings, predict
from initstudy.plots import (
    plots,
    plots_depth,
    plots_facets,
    plots_learning,
    plots_plane,
    plots_trainability,
    plots_training,
)
from initstudy.theory.depth_signal import measure_signal, signal_ratios
from initstudy.util.labels import TIMES, cell_label

SEEDS = [0, 3]
NOTEBOOK = [("zeros", 1.0), ("random", 10.0), ("he", 1.0)]
# random x1e150 overflows in the first forward pass: a real cell whose every run diverged.
GRID = [("zeros", 1.0), ("random", 10.0), ("random", 1e150), ("he", 0.5), ("he", 1.0)]
GRID += [("orthogonal", 2.0)]
RATES = [0.05, 0.2]
AXES = ("init", "scale", "learning_rate", "dataset")
LAYERS = [2, 4, 3, 1]
X = TIMES  # the multiplication sign of the labels, e.g. "he ×1"
SETTINGS = AnalysisSettings(
    axes=AXES, threshold=0.9, stuck_margin=0.01, budgets=(40, 60), n_resamples=50,
    bootstrap_seed=0, level=0.95, reference="he", thresholds=(0.85, 0.9), layers=tuple(LAYERS),
)  # fmt: skip


@pytest.fixture(scope="module")
def study():
    """Train a tiny grid on two data sets at two learning rates; analyse it as the workflow."""
    datasets = {
        "circles": make_dataset(60, 40, 0.05, 1, 2, n_validation=40),
        "moons": make_dataset(60, 40, 0.2, 1, 2, n_validation=40, kind="moons"),
    }
    results, runs, costs = {}, [], []
    for init, scale in GRID:
        for rate in RATES:
            for name, dataset in datasets.items():
                cell = {"init": init, "scale": scale, "learning_rate": rate, "dataset": name}
                result = train_cell(
                    dataset, init, scale, SEEDS, TrainSettings(LAYERS, rate, 60, 20)
                )
                for frame in (result.runs, result.costs):
                    add_axis_columns(frame, cell)
                results[tuple(cell.values())] = result
                runs.append(result.runs)
                costs.append(result.costs)
    costs = pd.concat(costs, ignore_index=True)
    tables = analyse(pd.concat(runs, ignore_index=True), costs, SETTINGS)
    return tables | {"datasets": datasets, "results": results, "costs": costs}


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
    assert set(INITIALIZERS) <= set(plots.COLORS)
    assert len(set(plots.COLORS.values())) == len(plots.COLORS)
    assert plots.init_color("unknown") == plots.FALLBACK_COLOR


def test_the_study_contains_a_diverged_cell(study):
    cell = study["runs"][study["runs"]["scale"] == 1e150]
    assert (cell["status"] == "diverged").all() and cell["test_accuracy"].isna().all()


def test_dataset_figure_has_a_row_per_data_set_and_a_panel_per_split(study, tmp_path):
    fig = plots_plane.plot_dataset(study["datasets"], {"circles": 0.05, "moons": 0.2})
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == [
        f"{name} (noise std {noise}), {split} split: {n} points"
        for name, noise in (("circles", 0.05), ("moons", 0.2))
        for split, n in (("train", 60), ("validation", 40), ("test", 40))
    ]
    for ax in axes:
        assert len(ax.collections) == 2  # one scatter per class
        assert ax.get_aspect() == 1.0
    check_saves(fig, tmp_path)
    single = plots_plane.plot_dataset(study["datasets"]["circles"], noise=0.05)
    assert single.get_axes()[0].get_title() == "(noise std 0.05), train split: 60 points"


def test_saved_png_is_deterministic(study, tmp_path):
    first = plots_plane.plot_dataset(study["datasets"])
    second = plots_plane.plot_dataset(study["datasets"])
    assert check_saves(first, tmp_path, "a.png") == check_saves(second, tmp_path, "b.png")


def _notebook_costs(study):
    return plots_facets.facet(study["costs"], learning_rate=0.05, dataset="circles")


def test_notebook_costs_draw_present_runs_and_mark_missing_ones(study, tmp_path):
    costs = _notebook_costs(study)
    costs = costs[costs["init"] != "he"]  # he x1 absent from this grid
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
    fig = plots_training.plot_notebook_costs(_notebook_costs(study), 3, [("random", 1e150)])
    ax = fig.get_axes()[0]
    assert "diverged at iteration 0" in " ".join(t.get_text() for t in ax.texts)
    check_saves(fig, tmp_path)


def _grid_cells():
    return [
        {"init": init, "scale": scale, "learning_rate": rate, "dataset": name}
        for init, scale in GRID
        for rate in RATES
        for name in ("circles", "moons")
    ]


def _panels(study, chosen):
    panels = []
    for cell, role in chosen:
        result = study["results"][tuple(cell.values())]
        k = plots_plane.pick_network(SEEDS, 3)
        row = result.runs.iloc[k]
        panels.append(
            plots_plane.BoundaryPanel(
                cell["init"], cell["scale"], SEEDS[k],
                [W[k : k + 1] for W in result.weights], [b[k : k + 1] for b in result.biases],
                float(row["train_accuracy"]), float(row["test_accuracy"]), role,
                study["datasets"][cell["dataset"]],
            )
        )  # fmt: skip
    return panels


def _scrambled_test_accuracies(study) -> dict:
    """The study's analysis redone with every test accuracy (of the runs and of the learning
    curves) shuffled among the rows; nothing else changed."""
    rng = np.random.default_rng(0)
    runs = pd.concat([result.runs for result in study["results"].values()], ignore_index=True)
    costs = study["costs"].copy()
    for table in (runs, costs):
        table["test_accuracy"] = rng.permutation(table["test_accuracy"].to_numpy())
    return analyse(runs, costs, SETTINGS)


def test_boundary_cells_are_the_notebook_runs_then_each_chosen_cell(study):
    at = {"learning_rate": 0.05, "dataset": "circles"}
    cells = plots_plane.boundary_cells(_grid_cells(), study["selection"], NOTEBOOK, at)
    assert [cell for cell, _ in cells[:3]] == [
        {"init": init, "scale": scale, **at} for init, scale in NOTEBOOK
    ]
    chosen = study["selection"][["init", "scale", "learning_rate", "dataset"]]
    assert [cell for cell, _ in cells[3:]] == chosen.to_dict("records")
    assert {role for _, role in cells[3:]} == {"chosen on validation"}
    assert len(cells) == 3 + 2 * len(set(study["runs"]["init"]))


def test_scrambled_test_accuracies_leave_the_boundary_figures_cells_unchanged(study):
    """The cells the decision-boundary figure draws (and the choice behind them) depend on
    validation only: with every test accuracy shuffled, the selection's choice columns and
    :func:`plots_plane.boundary_cells` are equal to the unshuffled ones, while the selection's
    test columns did change (the shuffle reached the analysis)."""
    scrambled = _scrambled_test_accuracies(study)["selection"]
    choice = ["init", "scale", "learning_rate", "dataset", "n_runs", "n_candidates",
              "validation_accuracy_mean", "median_time_to_learn"]  # fmt: skip
    pd.testing.assert_frame_equal(scrambled[choice], study["selection"][choice])
    assert not scrambled["test_accuracy_mean"].equals(study["selection"]["test_accuracy_mean"])
    at = {"learning_rate": 0.05, "dataset": "circles"}
    drawn, scrambled_drawn = (
        plots_plane.boundary_cells(_grid_cells(), selection, NOTEBOOK, at)
        for selection in (study["selection"], scrambled)
    )
    assert scrambled_drawn == drawn


def test_pick_network_falls_back_to_the_first_seed():
    assert plots_plane.pick_network(np.array([0, 3]), 3) == 1
    assert plots_plane.pick_network(np.array([5, 7]), 3) == 0


def test_decision_boundaries_draw_each_panel_on_its_own_data_set(study, tmp_path):
    cells = [
        ({"init": "he", "scale": 1.0, "learning_rate": 0.2, "dataset": "moons"}, "moons"),
        ({"init": "random", "scale": 1e150, "learning_rate": 0.05, "dataset": "circles"}, "x"),
    ]
    panels = _panels(study, cells)
    fig = plots_plane.plot_decision_boundaries(study["datasets"]["circles"], panels, 60)
    he, diverged = fig.get_axes()
    assert he.get_title().startswith(f"he {X}1, seed 3\nmoons\ntrain acc")
    assert len(he.collections) == 3  # decision mesh + two classes of points
    moons = study["datasets"]["moons"].X_train
    np.testing.assert_array_equal(he.collections[1].get_offsets(), moons[moons[:, 0] * 0 == 0][
        study["datasets"]["moons"].y_train == 0])  # fmt: skip
    assert "diverged" in diverged.get_title() and len(diverged.collections) == 2
    check_saves(fig, tmp_path)


def test_decision_regions_match_the_networks_predictions(study):
    cell = {"init": "orthogonal", "scale": 2.0, "learning_rate": 0.05, "dataset": "circles"}
    (panel,) = _panels(study, [(cell, "")])
    fig = plots_plane.plot_decision_boundaries(study["datasets"]["circles"], [panel], 40)
    mesh = fig.get_axes()[0].collections[0].get_array().reshape(40, 40)
    xx, yy = np.meshgrid(np.linspace(-1.5, 1.5, 40), np.linspace(-1.5, 1.5, 40))
    labels = predict(panel.weights, panel.biases, np.vstack([xx.ravel(), yy.ravel()]))
    np.testing.assert_array_equal(mesh, labels[0].reshape(40, 40))


def test_accuracy_vs_scale_never_mixes_data_sets_or_learning_rates(study, tmp_path):
    summary = study["summary"]
    fig = plots_facets.plot_accuracy_vs_scale(summary, 0.9, 0.95)
    axes = fig.get_axes()
    assert len(axes) == 2 * 2 * 2  # (accuracy, success) per data set x learning rate
    assert [axes[k].get_title() for k in (0, 1, 4, 5)] == [
        "circles, learning rate 0.05", "circles, learning rate 0.2",
        "moons, learning rate 0.05", "moons, learning rate 0.2",
    ]  # fmt: skip
    full = summary[summary["budget"] == 60]
    for k, (name, rate) in zip((4, 5), (("moons", 0.05), ("moons", 0.2)), strict=True):
        (he,) = [line for line in axes[k].get_lines() if line.get_label() == "he"]
        rows = full[(full["init"] == "he") & (full["dataset"] == name)]
        rows = rows[rows["learning_rate"] == rate].sort_values("scale")
        np.testing.assert_array_equal(he.get_ydata(), rows["test_accuracy_mean"])
    assert all(ax.get_xscale() == "log" for ax in axes)
    check_saves(fig, tmp_path)


def test_heatmap_has_a_panel_per_data_set_and_a_column_per_learning_rate(study, tmp_path):
    summary = study["summary"]
    fig = plots_facets.plot_heatmap(summary, 0.9)
    circles, moons = fig.get_axes()[:2]
    assert (circles.get_title(), moons.get_title()) == ("circles", "moons")
    assert [t.get_text() for t in moons.get_xticklabels()] == ["0.05", "0.2"]
    assert [t.get_text() for t in moons.get_yticklabels()] == [
        cell_label(init, scale) for init, scale in GRID
    ]
    row = summary[(summary["budget"] == 60) & (summary["init"] == "he") & (summary["scale"] == 1)]
    row = row[(row["dataset"] == "moons") & (row["learning_rate"] == 0.2)].iloc[0]
    notes = [t.get_text() for t in moons.texts]
    assert len(notes) == len(GRID) * len(RATES)
    assert f"{row['test_accuracy_mean']:.2f}\n{int(row['n_success'])}/2" in notes
    assert "diverged\n0/2" in notes
    check_saves(fig, tmp_path)


def test_heatmap_has_a_panel_per_stratum_named_by_its_depth():
    """A grid with a depth axis: one panel per (data set, depth), each with its own cells."""
    summary = pd.DataFrame(
        [
            {"init": init, "scale": scale, "learning_rate": rate, "dataset": "circles",
             "depth": depth, "test_accuracy_mean": accuracy, "n_success": 1, "n_seeds": 2}
            for depth, accuracy in ((2, 0.75), (10, 0.25))
            for init, scale in (("he", 1.0), ("zeros", 1.0))
            for rate in RATES
        ]
    )  # fmt: skip
    fig = plots_facets.plot_heatmap(summary, 0.9)
    panels = [ax for ax in fig.get_axes() if ax.get_title()]  # not the colour bar
    assert [ax.get_title() for ax in panels] == ["circles, depth 2", "circles, depth 10"]
    for ax, note in zip(panels, ("0.75\n1/2", "0.25\n1/2"), strict=True):
        assert [t.get_text() for t in ax.texts] == [note] * 4


def test_effective_gain_puts_he_at_its_scale_and_zeros_in_a_note(study, tmp_path):
    fig = plots_learning.plot_effective_gain(study["summary"], study["gain"], 0.9)
    axes = fig.get_axes()
    assert len(axes) == 4 and axes[0].get_xscale() == "log"
    (he,) = [c for c in axes[0].containers if c.get_label() == "he"]
    np.testing.assert_allclose(sorted(he.lines[0].get_xdata()), [0.5, 1.0], rtol=1e-12)
    assert any("zeros (gain 0): 0/2" in t.get_text() for t in axes[0].texts)
    check_saves(fig, tmp_path)


def test_time_to_learn_has_a_curve_per_chosen_cell_on_each_data_set(study, tmp_path):
    fig = plots_learning.plot_time_to_learn(study["runs"], study["selection"], 0.9, 0.95)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["circles", "moons"]
    selection = study["selection"]
    for ax, name in zip(axes, ("circles", "moons"), strict=True):
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        chosen = selection[selection["dataset"] == name]
        assert len(legend) == len(chosen)
        he = chosen[chosen["init"] == "he"].iloc[0]
        runs = plots_facets.facet(study["runs"], init="he", dataset=name, scale=he["scale"],
                                  learning_rate=he["learning_rate"])  # fmt: skip
        (line,) = [line for line in ax.get_lines() if line.get_label().startswith("he ")]
        assert line.get_ydata()[-1] == pytest.approx(runs["learned"].mean())
        assert line.get_xdata()[-1] == 60
    check_saves(fig, tmp_path)


def test_cost_curves_one_panel_per_chosen_cell_and_data_set(study, tmp_path):
    fig = plots_training.plot_cost_curves(study["costs"], study["selection"])
    axes = fig.get_axes()
    selection = study["selection"]
    assert len(axes) == len(selection)
    he = selection[(selection["init"] == "he") & (selection["dataset"] == "moons")].iloc[0]
    title = f"he {X}{he['scale']:.4g}, lr {he['learning_rate']:g} (moons)\n2 seeds"
    assert title in [ax.get_title() for ax in axes]
    assert axes[0].get_yscale() == "log"
    check_saves(fig, tmp_path)


def test_initial_cost_panels_per_data_set_at_one_learning_rate(study, tmp_path):
    fig = plots_training.plot_initial_cost(study["runs"])
    axes = fig.get_axes()
    inits = ["zeros", "random", "he", "orthogonal"]
    assert [ax.get_title() for ax in axes] == [
        f"{init} ({name})" for name in ("circles", "moons") for init in inits
    ]
    for ax in axes:
        assert any(list(line.get_ydata()) == [math.log(2)] * 2 for line in ax.get_lines())
    # random: only x10 has finite initial costs (two seeds, one learning rate drawn)
    assert len(axes[1].collections) == 2 and len(axes[1].collections[0].get_offsets()) == 2
    assert "4 non-finite costs not shown" in fig.get_suptitle()  # 2 seeds x 2 data sets
    check_saves(fig, tmp_path)


@pytest.mark.slow  # every figure drawn: about 5 s
def test_a_grid_of_only_diverged_cells_draws_every_figure(study, tmp_path):
    dead = {name: study[name][study[name]["scale"] == 1e150] for name in ("runs", "summary")}
    costs = study["costs"][study["costs"]["scale"] == 1e150]
    selection = study["selection"][study["selection"]["init"] == "random"].assign(scale=1e150)
    circles = study["datasets"]["circles"]
    figures = {
        "notebook": plots_training.plot_notebook_costs(costs, 3, NOTEBOOK),
        "boundaries": plots_plane.plot_decision_boundaries(circles, [], resolution=10),
        "accuracy": plots_facets.plot_accuracy_vs_scale(dead["summary"], 0.9, 0.95),
        "heatmap": plots_facets.plot_heatmap(dead["summary"], 0.9),
        "gain": plots_learning.plot_effective_gain(dead["summary"], study["gain"], 0.9),
        "learning": plots_learning.plot_time_to_learn(dead["runs"], selection, 0.9, 0.95),
        "costs": plots_training.plot_cost_curves(costs, selection),
        "initial": plots_training.plot_initial_cost(dead["runs"]),
    }
    for name, fig in figures.items():
        check_saves(fig, tmp_path, f"{name}.png")
    assert "every seed diverged" in " ".join(t.get_text() for t in figures["costs"].axes[0].texts)


# --- the depth study's figures ---------------------------------------------------

DEPTH_CELLS = [("he", 1.0), ("random", 1e100)]  # random x1e100 overflows within a few layers


@pytest.fixture(scope="module")
def depth_study(study):
    """Signal and ratio tables of a tiny real depth study."""
    dataset = study["datasets"]["circles"]
    X, y = dataset.X_train.T, dataset.y_train
    signal = pd.concat(
        [
            measure_signal(X, y, init, scale, depth, 6, [0, 1, 2])
            for init, scale in DEPTH_CELLS
            for depth in (2, 4)
        ],
        ignore_index=True,
    )
    return {"signal": signal, "ratios": signal_ratios(signal, 0.9)}


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


def _drawn(fig):
    """Draw ``fig`` as :func:`initstudy.plots.plots.save_figure` does; its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _overprints(ax, renderer) -> list[tuple[str, str]]:
    """The pairs of x tick labels of ``ax`` drawn over one another: labels on the same text
    line (a label moved down starts with line breaks) whose extents overlap."""
    boxes = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in ax.get_xticklabels()
        if t.get_visible() and t.get_text().strip()
    ]
    return [
        (a.strip(), b.strip())
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if a.count("\n") == b.count("\n") and box_a.x1 > box_b.x0 and box_b.x1 > box_a.x0
    ]


def test_scale_ticks_never_overprint_and_every_scale_keeps_its_label():
    """The default grid's scales: 1, 1.1583 and √2 lie close together on the log axis."""
    scales = {"he": [0.25, 1.0, 4.0], "glorot": [1.0, 1.1583], "lecun": [1.0, math.sqrt(2)],
              "random": [1.0, 10.0]}  # fmt: skip
    summary = pd.DataFrame(
        [{"init": init, "scale": scale, "learning_rate": rate, "dataset": "circles",
          "budget": 100, "test_accuracy_mean": 0.9, "test_accuracy_mean_ci_low": 0.8,
          "test_accuracy_mean_ci_high": 0.95, "success_rate": 0.8, "success_ci_low": 0.5,
          "success_ci_high": 0.95}
         for init, values in scales.items() for scale in values for rate in (0.01, 0.64)]
    )  # fmt: skip
    fig = plots_facets.plot_accuracy_vs_scale(summary, 0.9, 0.95)
    renderer = _drawn(fig)
    bottom = fig.get_axes()[-1]
    labels = [t.get_text().strip() for t in bottom.get_xticklabels() if t.get_text().strip()]
    assert labels == ["0.25", "1", "1.1583", "√2", "4", "10"]
    for ax in fig.get_axes():
        assert _overprints(ax, renderer) == []
    # the initial cost's panels: glorot's 1 and 1.1583 side by side
    runs = summary.assign(seed=0, initial_cost=0.7)
    fig = plots_training.plot_initial_cost(runs)
    renderer = _drawn(fig)
    for ax in fig.get_axes():
        assert _overprints(ax, renderer) == []


def test_time_to_learn_legends_stay_outside_the_curves(study):
    fig = plots_learning.plot_time_to_learn(study["runs"], study["selection"], 0.9, 0.95)
    renderer = _drawn(fig)
    for ax in fig.get_axes():
        legend = ax.get_legend().get_window_extent(renderer)
        panel = ax.get_window_extent(renderer)
        assert legend.y1 <= panel.y0  # below the panel
        assert not any(legend.overlaps(t.get_window_extent(renderer)) for t in ax.get_xticklabels())


def test_the_time_to_learn_title_fits_one_panel(study):
    one = study["selection"][study["selection"]["dataset"] == "circles"]
    fig = plots_learning.plot_time_to_learn(study["runs"], one, 0.9, 0.95)
    renderer = _drawn(fig)
    title = fig._suptitle.get_window_extent(renderer)
    assert title.x0 >= 0 and title.x1 <= fig.bbox.x1


def _trainability_cells(sigma_w2: list[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A trainability map of two panels (the complete study's tanh at σ_b² 0 and 0.05), its
    shares the k/10 of 10 seeds, and theory's curve."""
    rng = np.random.default_rng(0)
    cells = pd.DataFrame(
        [{"activation": "tanh", "sigma_b2": sigma_b2, "sigma_w2": value, "depth": depth,
          "share_trained": rng.integers(0, 11) / 10}
         for sigma_b2 in (0.0, 0.05) for value in sigma_w2 for depth in (5, 10, 20, 40)]
    )  # fmt: skip
    fine = np.linspace(min(sigma_w2), max(sigma_w2), 50)
    curve = pd.DataFrame(
        [{"activation": "tanh", "sigma_b2": sigma_b2, "sigma_w2": value,
          "six_xi_c": 6 / abs(np.log(value / 1.55)), "critical_sigma_w2": 1.55}
         for sigma_b2 in (0.0, 0.05) for value in fine]
    )  # fmt: skip
    return cells, curve


def _cell_labels(fig):
    return [a for ax in fig.get_axes() for a in ax.get_children()
            if isinstance(a, plots_trainability.CellLabel)]  # fmt: skip


def test_the_trainability_maps_shares_never_overprint():
    """The complete study's σ_w² (0.5 to 4, ten values: narrow cells at the small ones)."""
    crowded = [0.5, 0.75, 1, 1.25, 1.5, 1.76, 2, 2.5, 3, 4]
    cells, curve = _trainability_cells(crowded)
    fig = plots_trainability.plot_trainability_map(cells, curve)
    renderer = _drawn(fig)
    labels = _cell_labels(fig)
    assert len(labels) == len(cells)
    boxes = [label.get_window_extent(renderer) for label in labels if label.get_text()]
    assert len(boxes) == len(cells)  # at this size every cell has room for its share
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[i + 1 :])
    assert sorted(label.get_text() for label in labels) == sorted(
        plots_trainability.compact_share(share) for share in cells["share_trained"]
    )


@pytest.mark.parametrize(
    ("share", "text"), [(1.0, "1"), (0.9, ".9"), (0.25, ".25"), (0.0, "0"), (0.5, ".5")]
)
def test_compact_share(share, text):
    assert plots_trainability.compact_share(share) == text
