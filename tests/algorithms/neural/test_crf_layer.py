"""The CRF layer against brute force: every tag path of tiny sentences enumerated."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from loom.algorithms.neural.crf_layer import CRF, FORBIDDEN, bio_forbidden


def _crf(num_tags: int, seed: int, dtype: torch.dtype = torch.float64) -> CRF:
    torch.manual_seed(seed)
    crf = CRF(num_tags).to(dtype)
    with torch.no_grad():  # scores far from the tiny initial ones
        for parameter in crf.parameters():
            parameter.normal_(0.0, 1.0)
    return crf


def _path_score(crf: CRF, emissions: torch.Tensor, path: tuple[int, ...]) -> float:
    start, trans, end = (s.detach() for s in crf._scores())
    score = start[path[0]] + end[path[-1]]
    score = score + sum(emissions[t, tag] for t, tag in enumerate(path))
    score = score + sum(trans[a, b] for a, b in itertools.pairwise(path))
    return float(score)


def _brute_force(
    crf: CRF, emissions: torch.Tensor, length: int
) -> tuple[dict[tuple[int, ...], float], float]:
    """Scores of every path of ``length`` tags and their log-sum-exp."""
    paths = itertools.product(range(crf.num_tags), repeat=length)
    scores = {p: _path_score(crf, emissions[:length], p) for p in paths}
    log_z = float(
        torch.logsumexp(torch.tensor(list(scores.values()), dtype=torch.float64), 0)
    )
    return scores, log_z


def _batch(seed: int, lengths: list[int], num_tags: int) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(seed)
    size = (len(lengths), max(lengths))
    emissions = torch.randn(*size, num_tags, generator=generator, dtype=torch.float64)
    tags = torch.randint(0, num_tags, size, generator=generator)
    mask = torch.arange(max(lengths)) < torch.tensor(lengths).unsqueeze(1)
    return emissions, tags, mask


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crf_log_likelihood_equals_brute_force_enumeration(seed: int) -> None:
    lengths = [4, 1, 3, 2]
    crf = _crf(3, seed)
    emissions, tags, mask = _batch(seed, lengths, 3)
    got = crf.log_likelihood(emissions, tags, mask).detach()
    for b, length in enumerate(lengths):
        scores, log_z = _brute_force(crf, emissions[b], length)
        gold = tuple(tags[b, :length].tolist())
        assert float(got[b]) == pytest.approx(scores[gold] - log_z, abs=1e-9)
    # Probabilities of all paths of one sentence sum to one.
    assert sum(math.exp(s - log_z) for s in scores.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_crf_viterbi_equals_brute_force_argmax(seed: int) -> None:
    lengths = [5, 2, 1, 4]
    crf = _crf(4, seed)
    emissions, _, mask = _batch(seed, lengths, 4)
    decoded = crf.decode(emissions, mask)
    assert [len(p) for p in decoded] == lengths
    for b, length in enumerate(lengths):
        scores, _ = _brute_force(crf, emissions[b], length)
        assert tuple(decoded[b]) == max(scores, key=scores.__getitem__)


def test_crf_padding_does_not_change_a_sentence() -> None:
    crf = _crf(3, 7)
    emissions, tags, mask = _batch(7, [3, 6], 3)
    alone = crf(emissions[:1, :3], tags[:1, :3], mask[:1, :3]).detach()
    padded = crf(emissions, tags, mask).detach()
    assert float(padded[0]) == pytest.approx(float(alone[0]), abs=1e-12)
    assert (
        crf.decode(emissions, mask)[0] == crf.decode(emissions[:1, :3], mask[:1, :3])[0]
    )


def test_crf_negative_log_likelihood_passes_gradcheck() -> None:
    crf = _crf(3, 11)
    emissions, tags, mask = _batch(11, [3, 1, 2], 3)
    emissions.requires_grad_(True)
    names = ("start_transitions", "transitions", "end_transitions")

    def nll(e: torch.Tensor, *weights: torch.Tensor) -> torch.Tensor:
        call = torch.func.functional_call
        values = dict(zip(names, weights, strict=True))
        return -call(crf, values, (e, tags, mask), strict=False).sum()

    weights = [getattr(crf, n).detach().clone().requires_grad_(True) for n in names]
    inputs = (emissions, *weights)
    assert torch.autograd.gradcheck(nll, inputs, eps=1e-6, atol=1e-5)


def test_crf_gradient_flows_to_every_parameter() -> None:
    crf = _crf(4, 12, torch.float32)
    emissions, tags, mask = _batch(12, [5, 3], 4)
    loss = -crf.log_likelihood(emissions.float(), tags, mask).mean()
    loss.backward()
    for parameter in crf.parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all()
    assert float(loss.detach()) > 0


def test_bio_forbidden_marks_impossible_moves() -> None:
    tags = ["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]
    start, trans = bio_forbidden(tags)
    assert start.tolist() == [False, False, True, True, False]
    allowed = {
        (tags[i], tags[j]) for i in range(5) for j in range(5) if not trans[i, j]
    }
    assert ("B-PER", "I-PER") in allowed and ("I-PER", "I-PER") in allowed
    assert ("O", "I-PER") not in allowed and ("B-LOC", "I-PER") not in allowed
    assert ("I-LOC", "I-PER") not in allowed and ("I-PER", "B-LOC") in allowed
    assert not trans[:, [0, 1, 4]].any()  # B-X and O may follow anything


def test_crf_with_bio_constraint_never_decodes_a_forbidden_move() -> None:
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    start, trans = bio_forbidden(tags)
    torch.manual_seed(0)
    crf = CRF(5, start, trans).double()
    emissions = torch.randn(6, 8, 5, dtype=torch.float64)
    emissions[..., [2, 4]] += 3.0  # emissions pull towards I-X everywhere
    mask = torch.ones(6, 8, dtype=torch.bool)
    for path in crf.decode(emissions, mask):
        assert not start[path[0]]
        assert not any(trans[a, b] for a, b in itertools.pairwise(path))
    assert float(crf._scores()[1][0, 2].detach()) == FORBIDDEN
    assert "forbidden_trans" not in crf.state_dict()


def test_crf_rejects_bad_shapes_and_empty_first_position() -> None:
    crf = CRF(3)
    with pytest.raises(ValueError, match=r"emissions must be \(batch, length, 3\)"):
        crf.decode(torch.zeros(2, 4, 2), torch.ones(2, 4, dtype=torch.bool))
    mask = torch.ones(2, 4, dtype=torch.bool)
    mask[1, 0] = False
    with pytest.raises(ValueError, match="at least one token"):
        crf.log_likelihood(
            torch.zeros(2, 4, 3), torch.zeros(2, 4, dtype=torch.long), mask
        )
