"""The one way dates and times are written in English on every page and in every mail: templates say
`|date` (a day) or `|date:"DATETIME_FORMAT"` (a moment), code says `formats.date_format(value, ...)`.
Other languages use Django's formats for their locale, one per language too."""

DATE_FORMAT = "j M Y"  # 4 Dec 2026
DATETIME_FORMAT = "D j M Y, H:i"  # Fri 4 Dec 2026, 14:05
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
