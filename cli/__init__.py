"""zeren.cli — the click command line over the library."""
