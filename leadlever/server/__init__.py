"""The LeadLever service (``leadlever serve``): an HTTP API on a database, a dashboard
and a ledger. Needs the optional extra ``server`` (``pip install ".[server]"``).

Nothing in the library imports this package; importing it loads no web framework
until a name is used.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.server._app import ServerConfig, create_app
    from leadlever.server._database import Database, open_database
    from leadlever.server._service import Service

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
