"""Invoices and credit notes (issue 13): documents over the ledger, never a second source of
truth. The reseller invoices its clients, the platform invoices its resellers; each month is
closed once per recipient, numbered gaplessly per issuer and year, and frozen when issued.

A package of billing (DESIGN.md §1: billing had passed ~7,000 lines): its charges, wallets and
ledger are what an invoice reads, so it lives beside them rather than in an app of its own that
would import billing's internals anyway.
"""
