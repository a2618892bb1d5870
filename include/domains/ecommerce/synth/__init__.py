"""The ecommerce generator's parts, one module per group of datasets; ``generate`` (one level
up) puts them together by day."""
