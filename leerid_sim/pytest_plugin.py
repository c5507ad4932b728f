"""pytest plugin (entry point ``pytest11``): a LeerID provider for service providers' tests."""
