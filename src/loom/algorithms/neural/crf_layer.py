"""A linear-chain CRF layer in PyTorch: forward-algorithm likelihood, Viterbi decoding.

Nothing in Loom's dependency set provides one for torch (sklearn-crfsuite
trains its own feature weights and cannot sit on top of a network), so the
layer is ours. It scores a tag path ``y`` for emissions ``E`` as

    s(y) = start[y_0] + sum_t E[t, y_t] + sum_t trans[y_{t-1}, y_t] + end[y_last]

and ``log p(y | x) = s(y) - log Z`` with ``log Z`` from the forward algorithm in
log space. Everything is batched over sentences of different lengths with a
boolean mask whose first column must be all True (left-aligned sentences).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import torch
from torch import nn

# Forbidden transitions get this score rather than -inf: a column of the
# forward recursion that is all -inf makes logsumexp's gradient NaN, while
# exp(-1e4) is already exactly 0 in float32 and float64.
FORBIDDEN = -10_000.0
_BIO = re.compile(r"^([BI])[-_](.+)$")


def bio_forbidden(tags: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Transitions a BIO sequence never makes: start→I-X, O→I-X, B-X/I-X→I-Y.

    Args:
        tags: the tag names, in the CRF's tag order.

    Returns:
        ``(start, trans)`` boolean masks, True where forbidden: ``start[j]``
        for a sentence opening with ``tags[j]``, ``trans[i, j]`` for ``i → j``.
        Tags that are neither ``O`` nor ``B-``/``I-`` prefixed are unconstrained.
    """
    kinds = [_BIO.match(tag) for tag in tags]
    n = len(tags)
    start = torch.zeros(n, dtype=torch.bool)
    trans = torch.zeros(n, n, dtype=torch.bool)
    for j, inside in enumerate(kinds):
        if inside is None or inside.group(1) != "I":
            continue
        start[j] = True
        for i, before in enumerate(kinds):
            if before is not None and before.group(2) == inside.group(2):
                continue  # B-X → I-X and I-X → I-X continue the entity
            trans[i, j] = before is not None or tags[i] == "O"
    return start, trans


class CRF(nn.Module):
    """Transition scores over ``num_tags`` tags, with start and end scores.

    Args:
        num_tags: how many tags the emissions score.
        forbidden_start: optional (K,) bool mask of tags no sentence starts with.
        forbidden_trans: optional (K, K) bool mask of transitions ``i → j`` that
            never happen (see ``bio_forbidden``); both are buffers kept out of
            the ``state_dict`` because they follow from the tag names.
    """

    forbidden_start: torch.Tensor
    forbidden_trans: torch.Tensor

    def __init__(
        self,
        num_tags: int,
        forbidden_start: torch.Tensor | None = None,
        forbidden_trans: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.end_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.transitions = nn.Parameter(
            torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1)
        )
        no_start = torch.zeros(num_tags, dtype=torch.bool)
        no_trans = torch.zeros(num_tags, num_tags, dtype=torch.bool)
        self.register_buffer(
            "forbidden_start",
            no_start if forbidden_start is None else forbidden_start.bool(),
            persistent=False,
        )
        self.register_buffer(
            "forbidden_trans",
            no_trans if forbidden_trans is None else forbidden_trans.bool(),
            persistent=False,
        )

    def _scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Start, transition and end scores with forbidden moves pushed down."""
        start = self.start_transitions.masked_fill(self.forbidden_start, FORBIDDEN)
        trans = self.transitions.masked_fill(self.forbidden_trans, FORBIDDEN)
        return start, trans, self.end_transitions

    def forward(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """``log_likelihood``: calling the layer gives the per-sentence log p."""
        return self.log_likelihood(emissions, tags, mask)

    def log_likelihood(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """``log p(tags | emissions)`` of each sentence, shape (B,).

        Args:
            emissions: (B, T, K) scores of each tag at each position.
            tags: (B, T) gold tag indices (any value at padded positions).
            mask: (B, T) bool, True on real tokens; ``mask[:, 0]`` all True.

        Raises:
            ValueError: shapes disagree or a sentence is empty.
        """
        self._check(emissions, mask)
        tags = tags.masked_fill(~mask, 0)
        return self._path_score(emissions, tags, mask) - self._log_partition(
            emissions, mask
        )

    def _path_score(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        start, trans, end = self._scores()
        weights = mask.to(emissions.dtype)
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2) * weights
        moved = trans[tags[:, :-1], tags[:, 1:]] * weights[:, 1:]
        last = tags.gather(1, (mask.sum(dim=1, keepdim=True) - 1)).squeeze(1)
        return start[tags[:, 0]] + emitted.sum(dim=1) + moved.sum(dim=1) + end[last]

    def _log_partition(
        self, emissions: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Forward algorithm: ``log`` of the summed ``exp`` score of every path."""
        start, trans, end = self._scores()
        alpha = start + emissions[:, 0]
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + trans, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Viterbi: the highest-scoring tag path of each sentence (its length).

        Padded positions keep the previous scores and point back to the same
        tag, so backtracking from the last position walks through the padding
        unchanged until it reaches the sentence's real last token.
        """
        self._check(emissions, mask)
        start, trans, end = self._scores()
        score = start + emissions[:, 0]
        identity = torch.arange(self.num_tags, device=emissions.device)
        pointers = []
        for t in range(1, emissions.shape[1]):
            best, index = (score.unsqueeze(2) + trans).max(dim=1)
            keep = mask[:, t].unsqueeze(1)
            score = torch.where(keep, best + emissions[:, t], score)
            pointers.append(torch.where(keep, index, identity))
        tag = (score + end).argmax(dim=1)
        path = [tag]
        for index in reversed(pointers):
            tag = index.gather(1, tag.unsqueeze(1)).squeeze(1)
            path.append(tag)
        paths = torch.stack(path[::-1], dim=1).tolist()
        lengths = mask.sum(dim=1).tolist()
        return [row[:n] for row, n in zip(paths, lengths, strict=True)]

    def _check(self, emissions: torch.Tensor, mask: torch.Tensor) -> None:
        if emissions.ndim != 3 or emissions.shape[2] != self.num_tags:
            raise ValueError(
                f"emissions must be (batch, length, {self.num_tags}); "
                f"got {tuple(emissions.shape)}"
            )
        if mask.shape != emissions.shape[:2]:
            raise ValueError(
                f"mask must be {tuple(emissions.shape[:2])}; got {tuple(mask.shape)}"
            )
        if emissions.shape[1] == 0 or not bool(mask[:, 0].all()):
            raise ValueError("every sentence needs at least one token at position 0")
