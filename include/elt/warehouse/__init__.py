"""The warehouse, PostgreSQL only: connections per stage role (``connection``), the locks and the
domain lease that keep work apart (``locks``), what the catalog says of a relation
(``catalog``), day partitions (``partitions``), the audit ledger (``ledger``) and the migration
of the platform's own schemas and tables (``migrate``).

It imports only ``include.elt.core``: it knows no domain, dataset or model, only relations,
days and names.
"""
