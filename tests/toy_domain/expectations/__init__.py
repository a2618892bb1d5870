"""Great Expectations suites of the toy domain: one module per layer, one builder per table."""
