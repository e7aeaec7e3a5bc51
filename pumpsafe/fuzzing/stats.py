"""What the machine has exercised: test cases, steps, rules fired and alarms raised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pumpsafe.model.state import ALARMS, State


@dataclass
class Stats:
    """Counters a machine class adds to as it runs (one per process, never shared)."""

    examples: int = 0
    steps: int = 0
    # drawn steps whose rule was not enabled with the drawn parameters
    skipped: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    alarms: Counter[str] = field(default_factory=Counter)  # steps that raised each alarm

    def count_step(self, rule: str, pre: State, post: State) -> None:
        self.steps += 1
        self.rules[rule] += 1
        for a in ALARMS:
            if getattr(post, a) and not getattr(pre, a):
                self.alarms[a] += 1

    def take(self) -> Stats:
        """A copy of the counters, which restart from zero (for progress deltas)."""
        out = Stats(self.examples, self.steps, self.skipped, self.rules, self.alarms)
        self.examples = self.steps = 0
        self.skipped, self.rules, self.alarms = Counter(), Counter(), Counter()
        return out

    def add(self, other: Stats) -> None:
        self.examples += other.examples
        self.steps += other.steps
        self.skipped.update(other.skipped)
        self.rules.update(other.rules)
        self.alarms.update(other.alarms)

    def to_json(self) -> dict[str, Any]:
        return {"examples": self.examples, "steps": self.steps,
                "skipped": dict(sorted(self.skipped.items())),
                "rules": dict(sorted(self.rules.items())),
                "alarms": dict(sorted(self.alarms.items()))}
