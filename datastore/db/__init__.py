"""The database itself: the tables (``models``), the engine and its SQLite writer queue, the
``Database`` with its transactions, prepared statements, the shared clock, the migrations and
the generic ``upsert`` by natural key that loading a world uses.

Every repository is built on ``database.Database``; nothing here imports a repository.
"""
