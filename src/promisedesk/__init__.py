"""Promisedesk: a service desk that tracks every promise made to a customer."""

__version__ = "0.1.0"
