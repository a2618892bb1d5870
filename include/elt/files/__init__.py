"""Where a run's files live and what a run folder holds: the base location, a local folder or
an object store (``storage``), and the manifest a run folder is complete with (``manifest``).

It imports only ``include.elt.core``: it knows no warehouse, no domain and no stage.
"""
