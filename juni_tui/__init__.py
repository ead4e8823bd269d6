"""juni-tui: review Juni card transactions and book them in Fortnox from the terminal."""

__version__ = "0.1.0"
