"""The LeerID Schoolloket's repository (``repository.SchoolloketRepository``): staff roles,
sessions, class sharing, application visibility, pupils, the package API, its log and the staff
upload (``upload``).
"""
