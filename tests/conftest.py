"""Shared fixtures: projects in tmp dirs, the CLI runner, tiny inline counties."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from zeren.graph.store import Store
from zeren.loaders.rulebook import load_rulebook

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "tongwei-2018-responsibility-list.txt"


@pytest.fixture(scope="session")
def rulebook():
    return load_rulebook()


@pytest.fixture
def project(tmp_path, rulebook) -> Path:
    path = tmp_path / "p.db"
    Store.create(path, rulebook).close()
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def have_dot() -> bool:
    return shutil.which("dot") is not None
