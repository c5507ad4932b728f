"""World files and generated populations: the YAML worlds (``demo.yaml``), their schema
(``schema``), reference checks (``refs``), loading (``load``, ``writer``, ``apps``) and
the generator of large populations (``generate``, ``generate_model``, ``generate_names``).
"""
