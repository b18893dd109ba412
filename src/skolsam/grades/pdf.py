"""Make the grade documents' PDF/A: the maker lives in `core.pdf`, shared with the other
domains' documents (decisions about special support)."""

from skolsam.core.pdf import PDF_VARIANT, pdf_a_from_html

__all__ = ["PDF_VARIANT", "pdf_a_from_html"]
