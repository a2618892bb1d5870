"""Build models into the stage (the *write* of write-audit-publish) and publish them: the
``build_silver``, ``build_gold`` and, for models, ``publish`` stages.

A model is built as its declaration's materialization says, and published the same way: each
materialization is one module holding both (``view``, ``table``, ``days``, ``merge``; found by
name in ``materializations``), over what they share (``query``: a model's query run into a
temporary table, the rows it rejects). ``builder`` builds a model, ``publisher`` publishes
everything a run staged, in one transaction.
"""
