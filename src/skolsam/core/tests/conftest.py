"""The access tests share one story register per module through the `story` fixture.

The fixture lives in skolsam.testing.fixtures (a plugin of the root conftest.py), so any
test module may ask for it; every test still runs in its own savepoint.
"""
