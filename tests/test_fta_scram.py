"""Our MEF writer's output read by SCRAM (skipped when ``scram`` is not installed).

SCRAM 0.16.2 (``apt-get install scram``) analyses each original file and the file our writer
produced from it: both reports must agree (probability, number of products, order distribution)
and SCRAM's probability must agree with ours.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pumpsafe.hazards import FtaOptions, analyze, read_mef, write_mef

DATA = Path(__file__).parent / "data" / "openpsa"
pytestmark = pytest.mark.skipif(shutil.which("scram") is None, reason="scram not installed")


def _scram(path: Path) -> str:
    out = subprocess.run(
        ["scram", str(path), "--bdd", "--probability", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = re.search(r"<sum-of-products[^>]*>", out.stdout)
    assert found is not None, out.stdout[-500:]
    return found.group(0)


@pytest.mark.parametrize("name", ["chinese", "das9204", "das9601", "edf9205", "baobab2"])
def test_scram_reads_our_mef_output(name: str, tmp_path: Path) -> None:
    original = DATA / f"{name}.xml"
    tree = read_mef([original])
    written = tmp_path / f"{name}.xml"
    write_mef(tree, written)
    report = _scram(written)
    assert report == _scram(original)
    probability = re.search(r'probability="([^"]+)"', report)
    assert probability is not None
    ours = analyze(tree, FtaOptions(prime_budget=1000)).probability
    assert float(probability.group(1)) == pytest.approx(ours, rel=1e-5)
