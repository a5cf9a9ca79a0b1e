"""A cell a spreadsheet shows as typed: one rule for every CSV and workbook we write (the catalogue's
demand table here; the reports, surveys and chargeback statements in helpdesk read it from here)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    """Text starting with =, +, - or @ would otherwise run as a formula (titles, names and searched
    words are whatever people typed): it is shown with a leading apostrophe instead."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
