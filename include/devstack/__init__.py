"""Running the platform's services without Docker, for tests, benchmarks and local work."""
