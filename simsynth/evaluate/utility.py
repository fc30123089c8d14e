"""Utility: does a detector trained on the candidate find the reference's rare events?

Train on synthetic, test on real (TSTR: fit on the candidate) against train on real, test on
real (TRTR: fit on one part of the reference), both scored on the same held-out part of the
reference by PR-AUC (average precision), the measure that stays honest at low prevalence. The
reference is split by run when it has several (70 % of the runs for training, drawn with the
seed), else by time (the first 70 % of its events, the last 30 % held out). The detector is
scikit-learn's HistGradientBoostingClassifier on the attribute columns (categoricals as codes,
with its native categorical support), never on identifiers or labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from threadpoolctl import threadpool_limits

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate.encoding import top_categories
from simsynth.evaluate.label_targets import capped, positives, targets
from simsynth.evaluate.section import Section
from simsynth.evaluate.similarity import as_labels, numbers

TRAIN_SHARE = 0.7
MAX_ROWS = 200_000
"""Larger training or test sets keep every positive and a weighted sample of negatives."""
MAX_CATEGORIES = 254
"""Categories beyond the most frequent ones are treated as missing (the model's bin limit)."""
ITERATIONS = 100


@dataclass(frozen=True)
class Features:
    """How attribute columns become the model's matrix, fitted on a training table."""

    numeric: tuple[str, ...]
    categories: dict[str, pd.Index]
    """Each categorical column's known values (as labels), most frequent first."""

    @classmethod
    def fit(cls, train: pd.DataFrame, roles: ColumnRoles, columns: list[str]) -> Features:
        """Learn the categories of `train`'s categorical columns among `columns`."""
        categorical = [c for c in columns if c in roles.categorical]
        categories = {
            name: top_categories(as_labels(train[name]), MAX_CATEGORIES) for name in categorical
        }
        numeric = tuple(c for c in columns if c not in categories)
        return cls(numeric, categories)

    @property
    def categorical_mask(self) -> np.ndarray:
        """Which columns of `matrix` are categorical codes."""
        return np.array([False] * len(self.numeric) + [True] * len(self.categories), dtype=bool)

    def matrix(self, events: pd.DataFrame) -> np.ndarray:
        """Numeric columns as floats, then categorical ones as codes (unknown: missing)."""
        parts = [numbers(events[name]) for name in self.numeric]
        for name, known in self.categories.items():
            codes = known.get_indexer(as_labels(events[name]))
            parts.append(np.where(codes < 0, np.nan, codes.astype(float)))
        return np.column_stack(parts) if parts else np.empty((len(events), 0))


def reference_split(reference: pd.DataFrame, seed: int) -> tuple[np.ndarray, str]:
    """The training rows of the reference (a boolean mask) and how they were chosen."""
    runs = pd.unique(reference["run_id"]) if "run_id" in reference else np.array([0])
    if len(runs) > 1:
        rng = np.random.default_rng(seed)
        n_train = min(max(round(TRAIN_SHARE * len(runs)), 1), len(runs) - 1)
        chosen = rng.permutation(len(runs))[:n_train]
        train = reference["run_id"].isin(runs[chosen]).to_numpy()
        return train, f"by run: {n_train} of {len(runs)} runs for training, the rest held out"
    order = np.argsort(reference["time"].to_numpy(), kind="stable")
    train = np.zeros(len(reference), dtype=bool)
    train[order[: int(TRAIN_SHARE * len(reference))]] = True
    return train, f"by time: the first {TRAIN_SHARE:.0%} of events for training, the rest held out"


@dataclass(frozen=True)
class Scored:
    """The utility of one target."""

    target: str
    tstr: float | None
    trtr: float | None
    base_rate: float | None
    positives: dict[str, int]
    note: str | None

    @property
    def ratio(self) -> float | None:
        """TSTR / TRTR (1: the candidate is as useful as real training data)."""
        if self.tstr is None or not self.trtr:
            return None
        return self.tstr / self.trtr

    def scores(self) -> dict[str, object]:
        """JSON-able scores."""
        found = {"tstr_pr_auc": self.tstr, "trtr_pr_auc": self.trtr, "ratio": self.ratio}
        found = {k: None if v is None else round(v, 4) for k, v in found.items()}
        base = None if self.base_rate is None else round(self.base_rate, 6)
        return {**found, "base_rate": base, "positives": self.positives, "note": self.note}


def _pr_auc(
    train: pd.DataFrame,
    y_train: np.ndarray,
    test: np.ndarray,
    y_test: np.ndarray,
    w_test: np.ndarray,
    features: Features,
    seed: int,
) -> float:
    """PR-AUC on (test, y_test) of a model fitted on (train, y_train)."""
    rows, weights = capped(y_train, MAX_ROWS, np.random.default_rng(seed))
    model = HistGradientBoostingClassifier(
        max_iter=ITERATIONS,
        categorical_features=features.categorical_mask,
        early_stopping=False,
        random_state=seed,
    )
    with threadpool_limits(1):  # OpenMP threads spin and crawl on a shared, busy machine
        model.fit(features.matrix(train.iloc[rows]), y_train[rows], sample_weight=weights)
        probability = model.predict_proba(test)[:, 1]
    return float(average_precision_score(y_test, probability, sample_weight=w_test))


def score_target(
    target: str,
    reference: pd.DataFrame,
    candidate: pd.DataFrame,
    train: np.ndarray,
    features: Features,
    seed: int,
) -> Scored:
    """TSTR and TRTR of one target (None, with a note, where a side has no positive)."""
    y_reference = positives(reference, target)
    y_candidate = positives(candidate, target)
    y_fit, y_held = y_reference[train], y_reference[~train]
    counts = {
        "candidate": int(y_candidate.sum()),
        "reference_train": int(y_fit.sum()),
        "reference_test": int(y_held.sum()),
    }
    if not y_held.any():
        note = f"no `{target}` event in the reference's held-out part: nothing to score"
        return Scored(target, None, None, None, counts, note)
    held = reference[~train]
    rows, w_test = capped(y_held, MAX_ROWS, np.random.default_rng([seed, 1]))
    test, y_test = features.matrix(held.iloc[rows]), y_held[rows]
    base_rate = float(np.average(y_test, weights=w_test))
    notes, tstr, trtr = [], None, None
    if y_candidate.any() and not y_candidate.all():
        tstr = _pr_auc(candidate, y_candidate, test, y_test, w_test, features, seed)
    else:
        notes.append(f"the candidate has {'only' if y_candidate.any() else 'no'} `{target}` events")
    if y_fit.any():
        reference_fit = reference[train]
        trtr = _pr_auc(reference_fit, y_fit, test, y_test, w_test, features, seed)
    else:
        notes.append(f"no `{target}` event in the reference's training part")
    return Scored(target, tstr, trtr, base_rate, counts, "; ".join(notes) or None)


def section(
    reference: pd.DataFrame,
    candidate: pd.DataFrame,
    roles: ColumnRoles,
    *,
    target: str = "label",
    seed: int = 0,
    every_kind: bool = True,
) -> Section:
    """TSTR against TRTR, by PR-AUC, for `target` and (if `every_kind`) each rare kind."""
    columns = [c for c in roles.attributes if c in reference and c in candidate]
    train, split = reference_split(reference, seed)
    result = Section(name="utility", title="Utility: train on synthetic, test on real")
    result.notes += [
        "PR-AUC (average precision) on the reference's held-out part of a gradient-boosted "
        "classifier trained on the candidate (TSTR) or on the reference's training part "
        "(TRTR); the base rate is what a random score reaches. Ratio = TSTR / TRTR.",
        f"Reference split {split}. Features: {', '.join(columns) or 'none'}.",
    ]
    if not columns:
        result.warnings.append("no attribute column in common: utility not measured")
        return result
    features = Features.fit(
        pd.concat([reference[train][columns], candidate[columns]]), roles, columns
    )
    scored = [
        score_target(name, reference, candidate, train, features, seed)
        for name in targets(target, [reference, candidate], every_kind=every_kind)
    ]
    result.details = {s.target: s.scores() for s in scored}
    result.summary = {f"{target}": scored[0].scores()}
    result.notes += [f"{s.target}: {s.note}" for s in scored if s.note]
    result.tables.append(("TSTR and TRTR by target", _table(scored)))
    result.figures.append(("utility", lambda: _figure(scored)))
    return result


def _table(scored: list[Scored]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "target": s.target,
                "positives (candidate / reference train / test)": "{candidate} / "
                "{reference_train} / {reference_test}".format(**s.positives),
                "base rate": s.scores()["base_rate"],
                "TSTR PR-AUC": s.scores()["tstr_pr_auc"],
                "TRTR PR-AUC": s.scores()["trtr_pr_auc"],
                "TSTR / TRTR": s.scores()["ratio"],
            }
            for s in scored
        ]
    )


def _figure(scored: list[Scored]) -> Figure:
    figure = Figure(figsize=(1.2 * len(scored) + 3, 3.5), layout="constrained")
    axes = figure.subplots()
    x = np.arange(len(scored))
    for offset, name, values in (
        (-0.2, "TSTR", [s.tstr for s in scored]),
        (0.2, "TRTR", [s.trtr for s in scored]),
    ):
        axes.bar(x + offset, [np.nan if v is None else v for v in values], 0.4, label=name)
    axes.scatter(
        x,
        [np.nan if s.base_rate is None else s.base_rate for s in scored],
        marker="_",
        s=400,
        color="black",
        label="base rate",
        zorder=3,
    )
    axes.set_xticks(x, [s.target for s in scored], rotation=20)
    axes.set_ylim(0, 1)
    axes.set_ylabel("PR-AUC on held-out reference")
    axes.legend()
    return figure
