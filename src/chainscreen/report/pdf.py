"""PDF drafts through WeasyPrint (optional extra ``chainscreen[pdf]``)."""

from __future__ import annotations

from pathlib import Path

from chainscreen.errors import OutputError
from chainscreen.files import atomic_path


def write_pdf(html: str, path: Path) -> Path:
    """Print self-contained HTML to a PDF at ``path`` (atomically).

    The HTML has no external resources (inline CSS and SVG), so WeasyPrint never fetches a URL.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the pango system library is missing
        raise OutputError(
            f"{path}: PDF output needs WeasyPrint and Pango: pip install 'chainscreen[pdf]' "
            f"(and apt-get install libpango-1.0-0 libpangoft2-1.0-0) — {exc}") from None

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"refusing to fetch {url}: drafts are self-contained")

    with atomic_path(path) as tmp:
        HTML(string=html, url_fetcher=no_fetch).write_pdf(str(tmp))
    return path
