"""One way to write a date on every page: "2 Dec 2026" and "2 Dec 2026, 14:05".

Django's English formats mix "Dec. 2, 2026" (DATE_FORMAT) and "12/02/2026" (SHORT_DATE_FORMAT),
which read as two dates on one page and as 12 February outside the US. Dates typed into forms
keep Django's input formats (ISO first, which is what <input type="date"> sends).
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
