"""The CLI's commands, one module per area; see ``juni_tui.cli``."""
