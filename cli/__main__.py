"""``python -m zeren.cli``."""

from .main import main

main()
