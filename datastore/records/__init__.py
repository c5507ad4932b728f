"""The frozen records the datastore hands out, by concern: the protocol's (``protocol``), the
admin API's (``admin``), the Schoolloket's (``schoolloket``) and the login throttle's
(``throttle``). They import nothing but the vocabulary; ORM rows never leave the datastore.
"""
