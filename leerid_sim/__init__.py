"""The ``leerid-sim`` command line and the pytest plugin for service providers' test suites."""

__all__: list[str] = []
