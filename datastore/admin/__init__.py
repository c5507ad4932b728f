"""The admin API's repository (``repository.AdminRepository``), one module per resource
(schools, pupils, accounts, staff, clients, providers, visibility) on a shared ``base``, and the
processing register rendered from the world (``register``).
"""
