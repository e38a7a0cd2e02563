"""Renewals (issue 11): every number billed once per period, with grace, suspension and release.

- ``schedule``: period dates from the anchor and their due moments in the reseller's time zone.
- ``charging``: the renewal job (``renewals_run``) and charging one number's owed periods.
- ``services``: what people do (auto-renew, early release, renewal settings) and the retry a
  top-up or a raised credit limit triggers.
- ``selectors``: what the pages show. ``notices``: the emails, each once.
"""
