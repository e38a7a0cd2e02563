"""Daily reconciliation of our numbers with every provider's listing (issue #12).

``models`` holds the runs and their findings, ``compare`` the pure comparison of one listing with
our rows, ``services`` the run and the admin's actions, ``selectors`` what the admin reads.
It lives in billing because an upstream-only number is judged against recent orders (billing's)
and assigning one to a client creates a Number with billing's renewal schedule.
"""
