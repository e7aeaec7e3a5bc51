"""The campaign's schedule of Hypothesis phases across workers and batches."""

from __future__ import annotations

from pumpsafe.fuzzing.campaign import TARGET_EVERY, targets_in_batch


def test_target_batches_are_staggered_across_workers() -> None:
    """One batch in TARGET_EVERY runs the target phase, never the first, and two workers do
    not target in the same batch."""
    batches = range(1, 3 * TARGET_EVERY + 1)
    for worker in (0, 1):
        assert not targets_in_batch(worker, 1)
        assert sum(targets_in_batch(worker, b) for b in batches) == 3
    assert not any(targets_in_batch(0, b) and targets_in_batch(1, b) for b in batches)
