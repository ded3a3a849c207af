"""Locations, organisations and services: the provider directory and public finder."""
