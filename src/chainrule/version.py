"""chainrule's version, in a module of its own (as `torch.version`) so that any layer can read it without importing
the whole `chainrule` package: `chainrule.version.__version__` is `cr.__version__`."""

__all__ = ["__version__"]

__version__ = "0.1.0"  # also in pyproject.toml's [project] version
