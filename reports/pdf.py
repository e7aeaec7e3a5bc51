"""``report.pdf``: the HTML report printed by WeasyPrint (A4 landscape, print styles).

WeasyPrint takes the PDF's dates only from the page's ``dcterms.created``/``dcterms.modified``
metadata, which the template writes only when ``SOURCE_DATE_EPOCH`` is set; nothing else in its
output depends on the clock, so the same HTML gives the same PDF bytes (a test checks it).
"""

from __future__ import annotations

from pumpsafe.model.errors import PumpsafeError


class PdfUnavailable(PumpsafeError):
    """WeasyPrint (or the Pango library it needs) is not installed."""


def render_pdf(html: str) -> bytes:
    """The PDF of ``html`` (a self-contained page: no base URL, nothing is fetched)."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:
        raise PdfUnavailable(
            f"cannot make report.pdf: WeasyPrint is unavailable ({e}); install it with its Pango "
            "library (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0), or leave pdf "
            "out of --format") from None
    document = weasyprint.HTML(string=html, base_url=None)
    return bytes(document.write_pdf())
