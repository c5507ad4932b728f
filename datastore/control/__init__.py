"""Runtime control for test suites: the fault rules, purge and simulated clock
(``repository.ControlRepository``), snapshots of the whole world (``snapshots``) and the
misbehaving-ACM scenarios (``misbehave``).
"""
