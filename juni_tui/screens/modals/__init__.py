"""Dialogs and the detail view: screens pushed over a tab."""
