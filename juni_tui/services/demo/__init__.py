"""The demo company: its transactions, receipts and settings, made on demand for `make demo` and the tests."""
