"""The demo population of `make run` (development only: it creates known passwords)."""
