"""zeren (责任): responsibility lists and their rosters as a knowledge graph."""

__version__ = "0.1.0"
