"""ID3 and C4.5 decision trees, implemented in Loom itself.

No maintained Python library implements ID3 or C4.5: scikit-learn only ships
CART (binary splits, no gain ratio, no fractional-weight missing values). So the
two are written here in numpy, following Quinlan: ID3 splits multiway on the
attribute with the largest information gain; C4.5 uses the gain ratio (among
attributes of at least average gain), splits numeric attributes in two at the
midpoint between sorted distinct values, sends rows with a missing value down
every branch with fractional weights (when choosing splits and when predicting),
and prunes by pessimistic (error-based, confidence ``CF``) subtree replacement.
The fitted tree is plain nested dicts, so it is saved as JSON, without pickle.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from loom.algorithms.base import Algorithm, Task
from loom.algorithms.registry import register

TREE_FILE = "tree.json"
_MIN_WEIGHT = 1e-9  # fractional copies lighter than this are dropped
_MAX_TEXT_LINES = 400
_MAX_DRAW_DEPTH = 5
_MAX_DRAW_NODES = 120  # a bigger drawing is unreadable and slow to render


def _entropy(counts: np.ndarray) -> np.ndarray:
    """Entropy in bits of each row of class weights (the last axis)."""
    totals = counts.sum(axis=-1, keepdims=True)
    p = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    logs = np.log2(p, out=np.zeros_like(p), where=p > 0)
    out: np.ndarray = -(p * logs).sum(axis=-1)
    return out


def _attributes(
    names: list[str], X: np.ndarray, numeric_as_categorical: bool
) -> list[dict[str, Any]]:
    """Group one-hot columns ``col=value`` back into one categorical attribute."""
    attributes: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for j, name in enumerate(names):
        if "=" in name:
            base, value = name.split("=", 1)
            if base not in groups:
                groups[base] = {
                    "name": base,
                    "kind": "onehot",
                    "columns": [],
                    "values": [],
                }
                attributes.append(groups[base])
            groups[base]["columns"].append(j)
            groups[base]["values"].append(value)
        elif numeric_as_categorical:
            distinct = np.unique(X[:, j][~np.isnan(X[:, j])])
            values = [float(v) for v in distinct]
            attributes.append(
                {"name": name, "kind": "values", "columns": [j], "values": values}
            )
        else:
            attributes.append({"name": name, "kind": "numeric", "columns": [j]})
    return attributes


def _attribute_matrix(attributes: list[dict[str, Any]], X: np.ndarray) -> np.ndarray:
    """One column per attribute: a category code, a number, or NaN when missing."""
    A = np.full((X.shape[0], len(attributes)), np.nan)
    for i, attribute in enumerate(attributes):
        columns = attribute["columns"]
        if attribute["kind"] == "numeric":
            A[:, i] = X[:, columns[0]]
        elif attribute["kind"] == "onehot":
            block = X[:, columns]
            A[:, i] = np.where(block.sum(axis=1) > 0, block.argmax(axis=1), np.nan)
        else:
            values = np.asarray(attribute["values"], dtype=np.float64)
            x = X[:, columns[0]]
            pos = np.clip(np.searchsorted(values, x), 0, max(values.size - 1, 0))
            known = values.size > 0
            hit = (values[pos] == x) if known else np.zeros(x.shape, dtype=bool)
            A[:, i] = np.where(hit, pos, np.nan)
    return A


class _Split(NamedTuple):
    """The best split found on one attribute."""

    gain: float
    ratio: float
    attr: int
    threshold: float | None  # None for a multiway split


class QuinlanTree(ClassifierMixin, BaseEstimator):
    """An ID3 (``criterion='gain'``) or C4.5 (``'gain_ratio'``) classification tree.

    Args:
        criterion: ``gain`` (ID3: numeric columns are treated as categories, every
            distinct value a branch) or ``gain_ratio`` (C4.5: binary numeric splits).
        max_depth: pre-pruning depth limit; None for no limit.
        min_samples_split: a node with less (weighted) rows becomes a leaf.
        min_samples_leaf: a split needs two branches with at least this weight.
        pruning: apply C4.5's pessimistic error-based post-pruning.
        confidence: the ``CF`` of that pruning; smaller prunes harder.
    """

    feature_names: list[str] | None = None  # set by bind_features before fit

    def __init__(
        self,
        *,
        criterion: str = "gain_ratio",
        max_depth: int | None = None,
        min_samples_split: int = 2,
        min_samples_leaf: int = 1,
        pruning: bool = False,
        confidence: float = 0.25,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.pruning = pruning
        self.confidence = confidence

    # -- fitting -----------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> QuinlanTree:
        """Grow (and optionally prune) the tree on ``X`` (NaN = missing) and ``y``."""
        X = np.asarray(X, dtype=np.float64)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        names = self.feature_names or [f"x{j}" for j in range(X.shape[1])]
        self.n_features_in_ = X.shape[1]
        self.attributes_ = _attributes(names, X, self.criterion == "gain")
        A = _attribute_matrix(self.attributes_, X)
        onehot = np.eye(len(self.classes_))[codes]
        self.tree_ = self._grow(A, onehot, np.ones(len(X)), 0, frozenset())
        if self.pruning:
            self._prune(self.tree_)
        return self

    def _grow(
        self,
        A: np.ndarray,
        Y: np.ndarray,
        w: np.ndarray,
        depth: int,
        used: frozenset[int],
    ) -> dict[str, Any]:
        dist = w @ Y
        node: dict[str, Any] = {"dist": dist.tolist()}
        if (
            np.count_nonzero(dist > _MIN_WEIGHT) <= 1
            or dist.sum() < self.min_samples_split
            or (self.max_depth is not None and depth >= self.max_depth)
        ):
            return node
        split = self._best_split(A, Y, w, used)
        if split is None:
            return node
        attribute = self.attributes_[split.attr]
        a = A[:, split.attr]
        missing = np.isnan(a)
        if split.threshold is None:
            branch = np.where(missing, -1, a).astype(np.int64)
            n_branches = len(attribute["values"])
        else:
            branch = np.where(missing, -1, a > split.threshold).astype(np.int64)
            n_branches = 2
        known_w = np.bincount(branch[~missing], w[~missing], minlength=n_branches)
        probs = known_w / known_w.sum()
        if split.threshold is None:  # a multiway attribute is used up below this node
            used = used | {split.attr}
        children = []
        for b in range(n_branches):
            child_w = np.where(missing, w * probs[b], np.where(branch == b, w, 0.0))
            keep = child_w > _MIN_WEIGHT
            if not keep.any():
                children.append({"dist": node["dist"]})
                continue
            children.append(
                self._grow(A[keep], Y[keep], child_w[keep], depth + 1, used)
            )
        node.update(attr=split.attr, weights=probs.tolist(), children=children)
        if split.threshold is not None:
            node["threshold"] = split.threshold
        return node

    def _best_split(
        self, A: np.ndarray, Y: np.ndarray, w: np.ndarray, used: frozenset[int]
    ) -> _Split | None:
        """ID3: largest gain. C4.5: largest gain ratio among gains ≥ the average."""
        splits = []
        for i, attribute in enumerate(self.attributes_):
            if i in used:
                continue
            split = (
                self._numeric_split(A[:, i], Y, w, i)
                if attribute["kind"] == "numeric"
                else self._categorical_split(A[:, i], Y, w, i, len(attribute["values"]))
            )
            if split is not None and split.gain > 1e-12:
                splits.append(split)
        if not splits:
            return None
        if self.criterion == "gain":
            return max(splits, key=lambda s: s.gain)
        average = float(np.mean([s.gain for s in splits]))
        return max(
            (s for s in splits if s.gain >= average - 1e-12), key=lambda s: s.ratio
        )

    def _score(
        self, counts: np.ndarray, w_total: float, w_known: float, parent: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gain and gain ratio of candidate splits ``counts`` (..., branches, classes).

        Quinlan's missing-value rule: the gain is computed on the rows whose value
        is known and scaled by their share; the unknown share is one more part in
        the split information.
        """
        branch_w = counts.sum(axis=-1)
        conditional = (branch_w / w_known * _entropy(counts)).sum(axis=-1)
        gain = (w_known / w_total) * (_entropy(parent) - conditional)
        parts = np.concatenate(
            [branch_w, np.full((*branch_w.shape[:-1], 1), w_total - w_known)], axis=-1
        )
        split_info = _entropy(parts)
        ratio = np.divide(
            gain, split_info, out=np.zeros_like(gain), where=split_info > 0
        )
        return gain, ratio

    def _categorical_split(
        self, a: np.ndarray, Y: np.ndarray, w: np.ndarray, attr: int, n_values: int
    ) -> _Split | None:
        known = ~np.isnan(a)
        w_known = float(w[known].sum())
        if w_known <= 0:
            return None
        counts = np.zeros((n_values, Y.shape[1]))
        np.add.at(counts, a[known].astype(np.int64), Y[known] * w[known, None])
        if np.count_nonzero(counts.sum(axis=1) >= self.min_samples_leaf) < 2:
            return None
        gain, ratio = self._score(counts, float(w.sum()), w_known, counts.sum(axis=0))
        return _Split(float(gain), float(ratio), attr, None)

    def _numeric_split(
        self, a: np.ndarray, Y: np.ndarray, w: np.ndarray, attr: int
    ) -> _Split | None:
        known = np.flatnonzero(~np.isnan(a))
        order = known[np.argsort(a[known], kind="stable")]
        values = a[order]
        cuts = np.flatnonzero(values[:-1] < values[1:])  # midpoints of distinct values
        if cuts.size == 0:
            return None
        cumulative = np.cumsum(Y[order] * w[order, None], axis=0)
        parent = cumulative[-1]
        left = cumulative[cuts]
        counts = np.stack([left, parent - left], axis=1)
        sizes = counts.sum(axis=-1)
        ok = (sizes >= self.min_samples_leaf).all(axis=1)
        if not ok.any():
            return None
        gain, ratio = self._score(
            counts[ok], float(w.sum()), float(parent.sum()), parent
        )
        best = int(np.argmax(gain))  # Quinlan picks the cut by gain, then the ratio
        cut = cuts[ok][best]
        threshold = float((values[cut] + values[cut + 1]) / 2)
        return _Split(float(gain[best]), float(ratio[best]), attr, threshold)

    def _prune(self, node: dict[str, Any]) -> float:
        """Pessimistic error pruning: replace a subtree by a leaf when the leaf's
        upper-confidence error estimate is no worse; returns the node's estimate."""
        if "children" not in node:
            return self._leaf_errors(node["dist"])
        subtree = sum(self._prune(child) for child in node["children"])
        as_leaf = self._leaf_errors(node["dist"])
        if as_leaf <= subtree + 0.1:  # Quinlan's tolerance for near ties
            for key in ("attr", "weights", "children", "threshold"):
                node.pop(key, None)
            return as_leaf
        return subtree

    def _leaf_errors(self, dist: list[float]) -> float:
        """N · U_CF(E, N): the binomial upper confidence bound on a leaf's errors."""
        from scipy.stats import beta

        n = float(sum(dist))
        errors = n - max(dist)
        if n <= _MIN_WEIGHT:
            return 0.0
        if n - errors <= _MIN_WEIGHT:
            return n
        return n * float(beta.ppf(1 - self.confidence, errors + 1, n - errors))

    # -- predicting -----------------------------------------------------------------

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class shares of the leaves reached; a missing value follows every branch
        weighted by the share of training rows that went down it."""
        check_is_fitted(self, "tree_")
        A = _attribute_matrix(self.attributes_, np.asarray(X, dtype=np.float64))
        out = np.zeros((len(A), len(self.classes_)))
        self._route(self.tree_, A, np.arange(len(A)), np.ones(len(A)), out)
        out /= out.sum(axis=1, keepdims=True)
        return out

    def _route(
        self,
        node: dict[str, Any],
        A: np.ndarray,
        rows: np.ndarray,
        weight: np.ndarray,
        out: np.ndarray,
    ) -> None:
        if "children" not in node:
            dist = np.asarray(node["dist"])
            out[rows] += weight[:, None] * (dist / dist.sum())
            return
        a = A[rows, node["attr"]]
        missing = np.isnan(a)
        if "threshold" in node:
            branch = np.where(missing, -1, a > node["threshold"]).astype(np.int64)
        else:
            branch = np.where(missing, -1, a).astype(np.int64)
        for b, (child, share) in enumerate(
            zip(node["children"], node["weights"], strict=True)
        ):
            goes = (branch == b) | (missing & (share > 0))
            if goes.any():
                child_w = np.where(missing[goes], weight[goes] * share, weight[goes])
                self._route(child, A, rows[goes], child_w, out)

    def predict(self, X: Any) -> np.ndarray:
        """The class with the largest leaf share."""
        proba = self.predict_proba(X)
        out: np.ndarray = self.classes_[np.argmax(proba, axis=1)]
        return out

    # -- describing -------------------------------------------------------------

    def _test_text(self, node: dict[str, Any], b: int) -> str:
        attribute = self.attributes_[node["attr"]]
        if "threshold" in node:
            op = "<=" if b == 0 else ">"
            return f"{attribute['name']} {op} {node['threshold']:.4g}"
        value = attribute["values"][b]
        shown = f"{value:g}" if isinstance(value, float) else value
        return f"{attribute['name']} = {shown}"

    def _leaf_text(self, node: dict[str, Any]) -> str:
        dist = np.asarray(node["dist"])
        label = self.classes_[int(np.argmax(dist))]
        names = getattr(self, "class_names", None)
        if names is not None:  # codes 0..K-1 from Loom: print the user's labels
            label = names[int(label)]
        return f"{label} ({dist.sum():.3g})"

    def to_text(self) -> str:
        """The tree as indented lines, one per branch test, leaves after a colon."""
        check_is_fitted(self, "tree_")
        lines: list[str] = []

        def walk(node: dict[str, Any], depth: int) -> None:
            for b, child in enumerate(node["children"]):
                head = "|   " * depth + self._test_text(node, b)
                if "children" in child:
                    lines.append(head)
                    walk(child, depth + 1)
                else:
                    lines.append(f"{head}: {self._leaf_text(child)}")

        if "children" not in self.tree_:
            return f": {self._leaf_text(self.tree_)}"
        walk(self.tree_, 0)
        if len(lines) > _MAX_TEXT_LINES:
            lines = [*lines[:_MAX_TEXT_LINES], f"... ({len(lines)} lines in all)"]
        return "\n".join(lines)

    def _layout(self, depth_limit: int) -> list[tuple[float, int, dict[str, Any]]]:
        """(x, depth, node) for every drawn node: leaves side by side, parents
        centred over their children."""
        placed: list[tuple[float, int, dict[str, Any]]] = []

        def place(node: dict[str, Any], depth: int) -> float:
            if "children" not in node or depth >= depth_limit:
                x = float(
                    sum(1 for _, d, n in placed if _is_drawn_leaf(n, d, depth_limit))
                )
            else:
                xs = [place(child, depth + 1) for child in node["children"]]
                x = (xs[0] + xs[-1]) / 2
            placed.append((x, depth, node))
            return x

        place(self.tree_, 0)
        return placed

    def to_png(self) -> bytes:
        """A small drawing: tests in boxes, leaves coloured, edges labelled."""

        from loom.core.charts import new_figure, png_bytes

        limit = _draw_depth(self.tree_)
        placed = self._layout(limit)
        where = {id(node): (x, depth) for x, depth, node in placed}
        width = 1 + max(x for x, _, _ in placed)
        deepest = max(d for _, d, _ in placed)
        figure = new_figure((min(3 + 1.3 * width, 30), 1.5 + 1.3 * deepest))
        axes = figure.add_subplot()
        axes.set_axis_off()
        for x, depth, node in placed:
            is_test = not _is_drawn_leaf(node, depth, limit)
            if is_test:
                for b, child in enumerate(node["children"]):
                    cx, cd = where[id(child)]
                    axes.plot([x, cx], [-depth, -cd], color="grey", linewidth=0.8)
                    edge = self._test_text(node, b).split(" ", 1)[1]
                    axes.text((x + cx) / 2, -(depth + cd) / 2, edge, fontsize=6,
                              ha="center", backgroundcolor="white")  # fmt: skip
                text = self.attributes_[node["attr"]]["name"]
            else:
                text = "…" if "children" in node else self._leaf_text(node)
            colour = "lightyellow" if is_test else "lightgreen"
            axes.text(x, -depth, text, ha="center", va="center", fontsize=7,
                      bbox={"boxstyle": "round", "fc": colour})  # fmt: skip
        axes.set_xlim(-0.7, width - 0.3)
        axes.set_ylim(-deepest - 0.5, 0.5)
        return png_bytes(figure, tight=False)


def _is_drawn_leaf(node: dict[str, Any], depth: int, limit: int) -> bool:
    return "children" not in node or depth >= limit


def _draw_depth(tree: dict[str, Any]) -> int:
    """The deepest level (at most ``_MAX_DRAW_DEPTH``) that keeps the drawing small."""
    level, drawn, depth = [tree], 1, 0
    while depth < _MAX_DRAW_DEPTH:
        level = [c for node in level for c in node.get("children", [])]
        if not level or drawn + len(level) > _MAX_DRAW_NODES:
            break
        drawn += len(level)
        depth += 1
    return max(depth, 1)


def _shape(node: dict[str, Any]) -> tuple[int, int]:
    """(depth, number of leaves) of a subtree."""
    if "children" not in node:
        return 0, 1
    shapes = [_shape(child) for child in node["children"]]
    return 1 + max(d for d, _ in shapes), sum(n for _, n in shapes)


class Id3Params(BaseModel):
    """Parameters of ``id3``."""

    model_config = ConfigDict(extra="forbid")

    max_depth: int | None = Field(
        None, ge=1, le=100, description="Pre-pruning: maximum depth; none for no limit."
    )
    min_samples_split: int = Field(
        2, ge=2, le=100_000, description="Pre-pruning: minimum rows to split a node."
    )
    min_samples_leaf: int = Field(
        1,
        ge=1,
        le=100_000,
        description="A split needs 2+ branches with this many rows.",
    )


class C45Params(Id3Params):
    """Parameters of ``c45``."""

    min_samples_leaf: int = Field(
        2,
        ge=1,
        le=100_000,
        description="A split needs 2+ branches with this many rows.",
    )
    pruning: bool = Field(
        True, description="Pessimistic (error-based) post-pruning, as in C4.5."
    )
    confidence: float = Field(
        0.25,
        ge=0.001,
        le=0.5,
        description="Pruning confidence CF; smaller values prune more.",
    )


class _QuinlanAlgorithm(Algorithm):
    """Shared build, feature binding, report and JSON storage of ID3 and C4.5."""

    task: ClassVar[Task] = Task.CLASSIFICATION
    _criterion: ClassVar[str]

    def build(self, params: BaseModel, seed: int) -> Any:
        """Return an unfitted ``QuinlanTree`` (deterministic; the seed is unused)."""
        assert isinstance(params, Id3Params)
        return QuinlanTree(criterion=self._criterion, **params.model_dump())

    def bind_features(self, estimator: Any, feature_names: list[str]) -> None:
        """Let the tree regroup ``col=category`` columns into multiway attributes."""
        estimator.feature_names = list(feature_names)

    def bind_labels(self, estimator: Any, labels: list[str]) -> None:
        """Leaves print the user's class labels rather than Loom's codes."""
        estimator.class_names = list(labels)

    def report(
        self, estimator: Any, X: Any, y: Any, feature_names: list[str]
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The tree as indented text and as a PNG drawing."""
        depth, leaves = _shape(estimator.tree_)
        report = {
            "tree_text": estimator.to_text(),
            "depth": depth,
            "n_leaves": leaves,
            "attributes": [a["name"] for a in estimator.attributes_],
        }
        return report, {"tree.png": estimator.to_png()}

    def save_estimator(self, estimator: Any, directory: Path) -> None:
        """Write the tree, its attributes and classes as JSON (no pickle)."""
        state = {
            "params": estimator.get_params(),
            "feature_names": estimator.feature_names,
            "classes": estimator.classes_.tolist(),
            "class_names": getattr(estimator, "class_names", None),
            "n_features_in": estimator.n_features_in_,
            "attributes": estimator.attributes_,
            "tree": estimator.tree_,
        }
        (directory / TREE_FILE).write_text(json.dumps(state))

    def load_estimator(self, directory: Path) -> Any:
        """Rebuild a fitted ``QuinlanTree`` from ``tree.json``."""
        state = json.loads((directory / TREE_FILE).read_text())
        estimator = QuinlanTree(**state["params"])
        estimator.feature_names = state["feature_names"]
        estimator.classes_ = np.asarray(state["classes"])
        if state.get("class_names") is not None:
            estimator.class_names = state["class_names"]
        estimator.n_features_in_ = state["n_features_in"]
        estimator.attributes_ = state["attributes"]
        estimator.tree_ = state["tree"]
        return estimator


@register
class Id3Algorithm(_QuinlanAlgorithm):
    """Quinlan's ID3: multiway splits by information gain."""

    name: ClassVar[str] = "id3"
    summary: ClassVar[str] = (
        "ID3 decision tree: multiway splits on categories by information gain."
    )
    Params: ClassVar[type[BaseModel]] = Id3Params
    _criterion: ClassVar[str] = "gain"


@register
class C45Algorithm(_QuinlanAlgorithm):
    """Quinlan's C4.5: gain ratio, numeric thresholds, missing values, pruning."""

    name: ClassVar[str] = "c45"
    summary: ClassVar[str] = (
        "C4.5 decision tree: gain ratio, numeric thresholds, missing values, pruning."
    )
    Params: ClassVar[type[BaseModel]] = C45Params
    handles_missing: ClassVar[bool] = True
    _criterion: ClassVar[str] = "gain_ratio"
