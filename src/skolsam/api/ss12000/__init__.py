"""Serve the SS 12000 2.1.0 API: the open, scoped interface to the register."""
