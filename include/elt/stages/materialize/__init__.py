"""Materialize models: build them into the stage (the *write* of write-audit-publish: the
``build_silver`` and ``build_gold`` stages) and publish them (the models of ``publish``).

A model is built as its declaration's materialization says, and published the same way: each
materialization is one module holding both (``view``, ``table``, ``days``, ``merge``; found by
name in ``registry``), over what they share (``query``: a model's query run into a
temporary table, the rows it rejects). ``builder`` builds a model, ``publisher`` publishes
everything a run staged, in one transaction.
"""
