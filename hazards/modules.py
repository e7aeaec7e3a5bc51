"""Independent modules of a fault tree (Dutuit and Rauzy 1996, linear-time algorithm).

A gate is a *module* when no node below it is reachable from outside it: its subtree shares no
event with the rest of the tree. The analysis then treats each module as one variable of its
parent's BDD, which keeps BDDs small, and composes the results (probabilities, cut sets,
importance) by the chain rule.

Y. Dutuit and A. Rauzy, "A linear-time algorithm to find modules of fault trees", IEEE
Transactions on Reliability 45(3), 1996.
"""

from __future__ import annotations

import networkx as nx
from pumpsafe.hazards.tree import FaultTree


def _visit_times(
    tree: FaultTree, top: str
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Depth-first visit dates: first arrival, exit of the first expansion, last arrival."""
    first: dict[str, int] = {}
    leave: dict[str, int] = {}
    last: dict[str, int] = {}
    clock = 0
    stack: list[tuple[str, bool]] = [(top, False)]
    while stack:
        node, exiting = stack.pop()
        clock += 1
        if exiting:
            leave[node] = clock
            continue
        last[node] = clock
        if node in first:
            continue
        first[node] = clock
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(tree.successors(node))))
    return first, leave, last


def find_modules(tree: FaultTree, top: str) -> set[str]:
    """Gates below ``top`` (inclusive) that are independent modules; ``top`` always is one."""
    first, leave, last = _visit_times(tree, top)
    low: dict[str, int] = {}
    high: dict[str, int] = {}
    modules = {top}
    for node in nx.dfs_postorder_nodes(tree, top):
        children = list(tree.successors(node))
        low[node] = min([first[c] for c in children] + [low[c] for c in children], default=10**18)
        high[node] = max([last[c] for c in children] + [high[c] for c in children], default=-1)
        if children and first[node] < low[node] and high[node] < leave[node]:
            modules.add(node)
    return modules
