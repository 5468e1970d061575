"""Installer assistant for GB smart-meter field installers."""

__version__ = "0.1.0"
