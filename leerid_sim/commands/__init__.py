"""Sub-commands of ``leerid-sim``; each module has ``register(subparsers)``."""
