"""The directed river network: built from a water release, traversed with pgRouting."""
