"""Make PDF/A from HTML with WeasyPrint, for documents kept for ever: the grade documents
and the decisions about special support.

PDF/A-3b (`pdf_variant="pdf/a-3b"`): fonts embedded, colours in an output intent, the
claim in the XMP metadata, which the tests read back with pypdf. WeasyPrint needs Pango
(Debian's libpango-1.0-0 and libpangoft2-1.0-0); it is imported when a document is made,
so the rest of Skolsam starts without it and the error then says what is missing.
"""

from __future__ import annotations

from skolsam.core.errors import DomainError

PDF_VARIANT = "pdf/a-3b"


def pdf_a_from_html(html: str) -> bytes:
    """Return the HTML as a PDF/A-3b document."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: the library loads it when imported
        raise DomainError(
            "PDF kan inte skapas på den här servern: WeasyPrint saknar Pango "
            "(apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
        ) from exc
    pdf = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf
