"""Operating the application: health and readiness probes, backup and restore."""
