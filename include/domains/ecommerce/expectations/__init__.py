"""Great Expectations suites of the ecommerce domain: one module per layer (``SUITES``)."""
