"""The repositories of the protocol's hot path: the world as release reads it (``world``,
``release``), sessions, codes and tokens (``oidc`` with its statements ``oidc_sql``), the
event and privacy logs (``logs``, their one writer) and the login throttle (``throttle``).
"""
