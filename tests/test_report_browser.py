"""report.html seen in a real browser (Debian's chromium, headless) and report.pdf rendered to
images (poppler's pdftoppm): diagrams have a size, no console errors, pages are not blank.

Screenshots are saved in the test's temporary folder and copied to /tmp/report-shots/ for a
person to look at. Skipped, with the reason, only where chromium, chromedriver, selenium,
WeasyPrint or pdftoppm is missing (.ci/run installs them all).
"""

from __future__ import annotations

import base64
import importlib.util
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from report_support import build_small, small_trees

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path("/tmp/report-shots")

no_browser = pytest.mark.skipif(
    not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()
         and importlib.util.find_spec("selenium")),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
           "chromium-driver) and selenium (pip install '.[test]')")
no_pdf = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or importlib.util.find_spec("weasyprint") is None,
    reason="needs pdftoppm (apt-get install poppler-utils) and WeasyPrint with Pango")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as mp:
        formats = ("html", "pdf") if importlib.util.find_spec("weasyprint") else ("html",)
        build_small(base / "out", small_trees(base / "trees"), mp, formats)
    return base / "out"


def _keep(path: Path) -> None:
    try:
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)
    except OSError:
        pass  # the copy is a convenience for a reader; the test's own file is what counts


def _driver() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


_SIZES = """return Array.from(document.querySelectorAll('svg')).map(function (s) {
  var r = s.getBoundingClientRect();
  return [s.getAttribute('class'), r.width, r.height]; });"""


@no_browser
def test_report_renders_in_chromium(built: Path, tmp_path: Path) -> None:
    driver = _driver()
    try:
        driver.get((built / "report.html").as_uri())
        sizes = driver.execute_script(_SIZES)
        kinds = {k for k, _w, _h in sizes}
        assert {"fault-tree", "timeline", "importance"} <= kinds
        empty = [(k, w, h) for k, w, h in sizes if not (w > 10 and h > 10)]
        assert not empty, empty
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, errors
        assert driver.execute_script("return document.title").startswith("pumpsafe safety report")
        _screenshots(driver, tmp_path)
    finally:
        driver.quit()


def _screenshots(driver: Any, folder: Path) -> None:
    from selenium.webdriver.common.by import By

    width, height = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 16000), "scale": 1}})
    full = folder / "report-full.png"
    full.write_bytes(base64.b64decode(shot["data"]))
    assert full.stat().st_size > 10_000
    _keep(full)
    for css, name in (("svg.fault-tree", "report-tree.png"),
                      ("svg.timeline", "report-timeline.png"), ("table.risk", "report-risk.png")):
        element = driver.find_element(By.CSS_SELECTOR, css)
        driver.execute_script("arguments[0].scrollIntoView()", element)
        path = folder / name
        path.write_bytes(element.screenshot_as_png)
        _keep(path)


def _ink(pgm: bytes) -> float:
    """Share of pixels darker than near-white in a binary PGM (P5) image."""
    parts = pgm.split(maxsplit=4)
    assert parts[0] == b"P5"
    width, height = int(parts[1]), int(parts[2])
    pixels = parts[4][: width * height]
    return sum(1 for b in pixels if b < 235) / max(len(pixels), 1)


@no_pdf
def test_pdf_first_pages_are_not_blank(built: Path, tmp_path: Path) -> None:
    pdf = built / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "2", "-gray", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == 2
    for page in pages:
        assert _ink(page.read_bytes()) > 0.005, page.name
    subprocess.run(["pdftoppm", "-r", "70", "-f", "1", "-l", "3", "-png", str(pdf),
                    str(tmp_path / "report-pdf")], check=True, timeout=120)
    for png in tmp_path.glob("report-pdf-*.png"):
        _keep(png)
