"""The version of bilingua, in one place (the package and the service both report it)."""

__version__ = "0.1.0"
