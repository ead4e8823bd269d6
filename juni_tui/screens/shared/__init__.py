"""What several tabs share: cell renderers, key handling, the worker-error report."""
