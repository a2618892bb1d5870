"""What a domain is made of, and all a domain author imports: the domain and its datasets
(``domain``, ``datasets``), its SQL models as declared beside their files (``models``), its
dashboard's charts (``charts``), the building blocks of its expectation suites (``checks``), and
the tools its generator and templates share (``randomness``, ``patterns``).

It imports only ``include.elt.core``; it knows no warehouse connection, no file store and no
stage. A domain (``include/domains/*``, ``tests/toy_domain``) imports this package and
``include.elt.core.days`` alone.
"""
