"""zeren.web — the web workbench: search, trace, check, org chart, history and upload in a
browser, with accounts, roles and an audit log, over one project file.

``create_app(project)`` (in :mod:`zeren.web.app`) builds the ASGI app; ``zeren serve`` runs it
with uvicorn. Importing this package imports no web framework: the CLI stays fast.
"""

__all__ = ["create_app"]


def create_app(project, **options):
    from .app import create_app as build

    return build(project, **options)
