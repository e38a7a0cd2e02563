"""``make bench``: the performance budgets of DESIGN.md §8, one module per measured work; the
command that runs them is ``portal/management/commands/bench.py``."""
