"""Which fault-permission sets the machine runs under, so that every requirement is exercised.

A requirement is checked only in runs whose fault permissions make its assumed-absent faults
impossible (:meth:`Monitor.applies`), and it should be checked where the faults it must survive
*are* possible. So there is one machine spec per distinct set of
:meth:`Requirement.fault_permissions` in the catalogue (7 sets on the reference device for 34
checkable requirements), not one per requirement: requirements sharing a set share its test
cases (each test case of a machine built from several specs runs under one of them).

``drop`` removes faults from every requirement's assumed-absent list before the sets are
formed — the fuzzing counterpart of the cut-set analysis dropping an assumption: a device that
permits a fault some requirement assumes absent (an unsafe config such as a pocket fill) can
only fail that requirement with the assumption dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pumpsafe.model.device import Device
from pumpsafe.model.errors import InputError
from pumpsafe.model.state import FAULTS
from pumpsafe.proofs.requirements import Requirement

CHECKABLE = ("invariant", "step")


@dataclass(frozen=True)
class PermissionSet:
    """Fault permissions of one run, and the requirements that asked for them (``targets``)."""

    permissions: tuple[tuple[str, bool], ...]  # every fault, in state-field order
    targets: tuple[str, ...]

    def as_dict(self) -> dict[str, bool]:
        return dict(self.permissions)

    def permitted(self) -> tuple[str, ...]:
        return tuple(f for f, on in self.permissions if on)


def checkable(requirements: Iterable[Requirement]) -> tuple[Requirement, ...]:
    """The requirements the monitor can check on a concrete run (invariants and steps)."""
    return tuple(r for r in requirements if r.kind in CHECKABLE and r.predicate is not None)


def drop_assumptions(requirements: Sequence[Requirement], drop: Iterable[str]) -> tuple[
        Requirement, ...]:
    """The requirements with the faults in ``drop`` removed from their assumed-absent lists.

    Raises :class:`InputError` for a name that is not a fault of the model."""
    dropped = tuple(drop)
    unknown = sorted(set(dropped) - set(FAULTS))
    if unknown:
        raise InputError("--drop-assumption", ", ".join(unknown), "not a fault of the model",
                         f"faults: {', '.join(FAULTS)}")
    return tuple(dataclasses.replace(r, assumes_absent=tuple(
        f for f in r.assumes_absent if f not in dropped)) for r in requirements)


def select(requirements: Sequence[Requirement], only: Iterable[str]) -> tuple[Requirement, ...]:
    """The requirements named in ``only`` (all checkable ones when empty); an unknown or
    uncheckable ID is an :class:`InputError`."""
    wanted = tuple(only)
    if not wanted:
        return checkable(requirements)
    by_id = {r.id: r for r in requirements}
    for ident in wanted:
        if ident not in by_id:
            raise InputError("--only", ident, "no requirement has this ID",
                             f"IDs look like {requirements[0].id}")
        if by_id[ident] not in checkable(requirements):
            raise InputError("--only", ident, f"a {by_id[ident].kind} requirement cannot be "
                             "fuzzed", "pumpsafe verify checks it")
    return tuple(by_id[i] for i in dict.fromkeys(wanted))


def permission_sets(device: Device, requirements: Sequence[Requirement]) -> tuple[
        PermissionSet, ...]:
    """One :class:`PermissionSet` per distinct ``fault_permissions(device)`` of the
    requirements, in catalogue order of the first requirement asking for it."""
    groups: dict[tuple[tuple[str, bool], ...], list[str]] = {}
    for r in requirements:
        groups.setdefault(_ordered(r.fault_permissions(device)), []).append(r.id)
    return tuple(PermissionSet(perms, tuple(ids)) for perms, ids in groups.items())


def _ordered(perms: Mapping[str, bool]) -> tuple[tuple[str, bool], ...]:
    return tuple((f, bool(perms[f])) for f in FAULTS)
