"""The HTTP routes, one module per group: parse, call the service, render."""

__all__: list[str] = []
