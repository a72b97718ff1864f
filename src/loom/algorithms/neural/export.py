"""Export a saved neural model bundle to ONNX or TorchScript for serving elsewhere.

The exported graph takes the *encoded* feature matrix (the floats Loom's
``TabularEncoder`` produces, in ``preprocessing.json``'s ``columns`` order) and
does everything after that itself: the bundle's feature selection/scaling, the
estimator's own standardisation, the network and the output step (softmax
probabilities, or regression predictions back in target units). What stays
with the caller is the encoder — nulls → the training median, strings →
one-hot over the training categories — because it is a lookup over JSON
values that neither format expresses well; its fitted state ships in
``preprocessing.json`` and the README says how to apply it. A bundle with a
feature pipeline in front is refused: its SQL/DuckDB steps cannot be
reproduced outside Loom.

Each estimator says how it is exported through ``export_module()`` (see
``NeuralEstimator``). Text classifiers and the BiLSTM-CRF tagger take token
ids instead (``text_export``): their vocabulary file travels in the zip and
``preprocessing.json`` says how text becomes ids (``text_ids`` does it in
Python through Loom's own ``TextVocabulary``).
"""

from __future__ import annotations

import io
import json
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from loom.core.errors import InvalidInputError

ExportFormat = Literal["onnx", "torchscript"]
FORMATS: tuple[str, ...] = ("onnx", "torchscript")
ONNX_OPSET = 17
MODEL_FILES = {"onnx": "model.onnx", "torchscript": "model.pt"}


@dataclass
class ExportSpec:
    """What an estimator hands to the exporter.

    Attributes:
        module: an eval-mode ``nn.Module`` taking ``example_inputs``-shaped tensors.
        example_inputs: tensors used to trace the module (batch axis first).
        input_names: graph input names, in order.
        output_names: graph output names, in order.
        preprocessing: JSON facts a caller needs (scales, labels...).
        dynamic_axes: ONNX dynamic axes; defaults to a dynamic batch axis on
            every input and output.
        files: extra zip entries (name → text), e.g. a vocabulary.
        readme_body: how to build the input and read the output; None for
            the encoded-feature-matrix text of tabular models.
    """

    module: nn.Module
    example_inputs: tuple[torch.Tensor, ...]
    input_names: list[str]
    output_names: list[str]
    preprocessing: dict[str, Any] = field(default_factory=dict)
    dynamic_axes: dict[str, dict[int, str]] | None = None
    files: dict[str, str] = field(default_factory=dict)
    readme_body: str | None = None

    def axes(self) -> dict[str, dict[int, str]]:
        """Dynamic axes, the batch axis of every input and output by default."""
        if self.dynamic_axes is not None:
            return self.dynamic_axes
        return {name: {0: "batch"} for name in self.input_names + self.output_names}


class _Served(nn.Module):
    """Standardise → network → softmax (classifier) or de-standardise (regressor)."""

    x_mean: torch.Tensor
    x_std: torch.Tensor

    def __init__(self, network: nn.Module, state: dict[str, Any], classify: bool):
        super().__init__()
        self.network = network
        self.classify = classify
        self.register_buffer("x_mean", _tensor(state["x_mean"]))
        self.register_buffer("x_std", _tensor(state["x_std"]))
        self.y_mean = float(state.get("y_mean", 0.0))
        self.y_std = float(state.get("y_std", 1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.network((x - self.x_mean) / self.x_std)
        if self.classify:
            return torch.softmax(out, dim=1)
        return out[:, 0] * self.y_std + self.y_mean


class _Front(nn.Module):
    """The bundle's ``FeatureTransform``: column selection, then centring/scaling."""

    selected: torch.Tensor
    mean: torch.Tensor
    scale: torch.Tensor

    def __init__(self, selected: list[int] | None, mean: Any, scale: Any) -> None:
        super().__init__()
        self.select = selected is not None
        self.scale_ = mean is not None and scale is not None
        self.register_buffer("selected", torch.as_tensor(selected or [0]))
        self.register_buffer("mean", _tensor(mean if self.scale_ else [0.0]))
        self.register_buffer("scale", _tensor(scale if self.scale_ else [1.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.select:
            x = torch.index_select(x, 1, self.selected)
        if self.scale_:
            x = (x - self.mean) / self.scale
        return x


def _tensor(values: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float32))


def tabular_export_spec(estimator: Any) -> ExportSpec:
    """The ``ExportSpec`` of a fitted ``NeuralEstimator`` over a float matrix."""
    state = estimator.state
    module = _Served(estimator.network_, state, estimator.classification).eval()
    generator = torch.Generator().manual_seed(0)
    example = torch.randn(2, state["n_features"], generator=generator)
    output = "probabilities" if estimator.classification else "prediction"
    facts = {
        "standardisation": {
            "mean": state["x_mean"],
            "std": state["x_std"],
            "applied_in_model": True,
        }
    }
    if not estimator.classification:
        facts["target_scale"] = {"mean": state["y_mean"], "std": state["y_std"]}
    return ExportSpec(module, (example,), ["features"], [output], facts)


# -- bundles ------------------------------------------------------------------


def export_bundle(bundle_dir: Path, fmt: str, out: Path) -> Path:
    """Write a zip with the exported model, ``preprocessing.json`` and a README.

    Args:
        bundle_dir: a model directory ``ModelBundle.save`` wrote.
        fmt: ``onnx`` or ``torchscript``.
        out: the zip file to write (its parent must exist).

    Returns:
        ``out``.

    Raises:
        InvalidInputError: an unknown format, a model that is not a neural
            network, or one with a feature pipeline in front.
    """
    from loom.training.bundle import ModelBundle

    if fmt not in FORMATS:
        raise InvalidInputError(
            f"unknown export format '{fmt}'; choose one of: {', '.join(FORMATS)}"
        )
    bundle = ModelBundle.load(Path(bundle_dir))
    spec = bundle_export_spec(bundle)
    model_bytes = onnx_bytes(spec) if fmt == "onnx" else torchscript_bytes(spec)
    facts = preprocessing_facts(bundle, spec, fmt)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MODEL_FILES[fmt], model_bytes)
        archive.writestr("preprocessing.json", json.dumps(facts, indent=2))
        archive.writestr("README.txt", readme(bundle, spec, fmt))
        for name, text in spec.files.items():
            archive.writestr(name, text)
    return out


def check_exportable(bundle: Any) -> None:
    """Refuse what the export cannot reproduce, naming the algorithm.

    Raises:
        InvalidInputError: not a neural estimator, or a pipeline in front.
    """
    if not hasattr(bundle.estimator, "export_module"):
        raise InvalidInputError(
            f"algorithm '{bundle.algorithm}' cannot be exported to ONNX/TorchScript; "
            f"export supports neural networks: {', '.join(exportable_algorithms())}"
        )
    if bundle.preprocess is not None:
        raise InvalidInputError(
            f"{bundle.algorithm} model has feature pipeline "
            f"'{bundle.preprocess.name}' in front; its steps run in Loom only, so "
            "export is refused (train on the pipeline's output dataset to export)"
        )


def exportable_algorithms() -> list[str]:
    """Catalog names export supports: the neural networks over table columns,
    the neural text classifiers (token ids in) and the BiLSTM-CRF tagger.

    A new neural entry plugs in by overriding ``export_module`` and being
    matched here.
    """
    from loom.algorithms.base import Task
    from loom.algorithms.neural.bilstm_crf import BiLstmCrfAlgorithm
    from loom.algorithms.neural.common import NeuralAlgorithm
    from loom.algorithms.registry import list_algorithms

    return sorted(
        a.name
        for a in list_algorithms()
        if (
            isinstance(a, NeuralAlgorithm)
            and a.task in (Task.CLASSIFICATION, Task.REGRESSION)
        )
        or isinstance(a, BiLstmCrfAlgorithm)
    )


def bundle_export_spec(bundle: Any) -> ExportSpec:
    """The estimator's spec with the bundle's ``FeatureTransform`` put in front."""
    check_exportable(bundle)
    spec: ExportSpec = bundle.estimator.export_module()
    transform = bundle.transform
    if transform is None:
        return spec
    front = _Front(
        None if transform._selected is None else transform._selected.tolist(),
        transform.mean,
        transform.scale,
    )
    width = len(transform.names_in)
    example = torch.randn(2, width, generator=torch.Generator().manual_seed(0))
    module = nn.Sequential(front, spec.module).eval()
    return ExportSpec(
        module, (example,), spec.input_names, spec.output_names, spec.preprocessing
    )


def onnx_bytes(spec: ExportSpec) -> bytes:
    """The module as ONNX with a dynamic batch axis.

    The legacy TorchScript-based exporter (``dynamo=False``) is used: it needs
    nothing beyond torch and works offline.
    """
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(tmp) / "model.onnx"
        torch.onnx.export(
            spec.module,
            spec.example_inputs,
            str(path),
            input_names=spec.input_names,
            output_names=spec.output_names,
            dynamic_axes=spec.axes(),
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
        return path.read_bytes()


def torchscript_bytes(spec: ExportSpec) -> bytes:
    """The module traced to TorchScript (``torch.jit.load`` reads it back)."""
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(spec.module, spec.example_inputs)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    return buffer.getvalue()


def preprocessing_facts(bundle: Any, spec: ExportSpec, fmt: str) -> dict[str, Any]:
    """Everything a caller needs to build the input and read the output."""
    encoder = bundle.encoder
    facts: dict[str, Any] = {
        "algorithm": bundle.algorithm,
        "task": str(bundle.task),
        "format": fmt,
        "model_file": MODEL_FILES[fmt],
        "inputs": spec.input_names,
        "outputs": spec.output_names,
        "columns": encoder.feature_names_out,
        "raw_columns": bundle.features,
        "encoder": encoder.to_dict(),
        "feature_transform": bundle.transform.to_dict() if bundle.transform else None,
        "feature_transform_applied_in_model": True,
        "labels": bundle._out_labels or None,
        "threshold": bundle.threshold,
        **spec.preprocessing,
    }
    return facts


def readme(bundle: Any, spec: ExportSpec, fmt: str) -> str:
    """How to feed the exported model, in plain words."""
    n = len(bundle.encoder.feature_names_out)
    output = spec.output_names[0]
    name = spec.input_names[0]
    load = (
        f"onnxruntime.InferenceSession('model.onnx').run(None, {{'{name}': X}})[0]"
        if fmt == "onnx"
        else "torch.jit.load('model.pt')(torch.from_numpy(X))"
    )
    header = f"Loom export of a {bundle.algorithm} model ({bundle.task}).\n\n"
    if spec.readme_body is not None:
        return f"{header}{spec.readme_body}\n\nRun it: {load}\n"
    meaning = (
        "class probabilities (batch, K); column j is labels[j] in "
        "preprocessing.json. With a threshold there (binary models), predict "
        "labels[1] when its probability >= threshold, else labels[0]."
        if bundle.task == "classification"
        else "predictions (batch,) in the target's units."
    )
    return (
        f"{header}Input 'features': float32 array of shape (batch, {n}), columns\n"
        "in the order of preprocessing.json 'columns'. Build it from raw rows the way\n"
        "Loom's encoder does ('encoder' in preprocessing.json):\n"
        "  - number/integer/boolean column: its value as a float; a null takes\n"
        "    the column's 'fill' (the training median);\n"
        "  - string column: one 0/1 column per training category\n"
        "    ('col=category'); null or unseen values are all zeros.\n"
        "Do NOT standardise: the bundle's feature scaling and the network's own\n"
        "standardisation (mean/std in preprocessing.json) are inside the model.\n\n"
        f"Output '{output}': {meaning}\n\n"
        f"Run it: {load}\n"
    )


def text_ids(
    preprocessing: dict[str, Any], vocab: dict[str, Any], texts: list[str]
) -> np.ndarray:
    """A text classifier export's ``ids`` input for ``texts``.

    A thin call into Loom's own ``TextVocabulary`` and the estimator's padding
    (no second tokeniser), so ids match training exactly.

    Args:
        preprocessing: the zip's ``preprocessing.json`` (its ``text`` section).
        vocab: the zip's ``text_vocab.json``.
        texts: raw documents.

    Returns:
        int64 ``(len(texts), length)`` ids, right-padded with ``<pad>``.
    """
    from loom.algorithms.neural.text_estimator import padded_ids
    from loom.algorithms.neural.text_vocab import TextVocabulary

    text = preprocessing["text"]
    vocabulary = TextVocabulary.from_dict(vocab)
    ids = padded_ids(
        vocabulary,
        [vocabulary.tokens(t) for t in texts],
        max_length=text["max_length"],
        bag_of_ngrams=text["bag_of_ngrams"],
        prepend_cls=text["prepend_cls"],
    )
    return ids.numpy()
