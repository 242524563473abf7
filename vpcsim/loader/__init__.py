"""Load: a design file or snapshot -> a located tree (reader) -> frozen model (build) -> diagnostics (validate).

`design.load_design` runs the three in order; `assertions` loads promise files with the same reader.
"""
