"""The stages of a run, each one module or sub-package: ``plan`` (what a run processes),
``generate`` (its files), ``load`` (bronze), ``materialize`` (silver and gold built into the
stage, and published), ``validate`` (the gates and Data Docs), ``report`` (CSV reports, the
dashboard, the analytics log, figures).

A stage imports ``core``, ``contract``, ``warehouse`` and ``files``, never another stage: what
two stages share is below them, and ``include.elt.pipeline`` composes them.
"""
