"""Outputs: the annotated workbook, screening reports (HTML/Markdown/JSON/CSV)."""
