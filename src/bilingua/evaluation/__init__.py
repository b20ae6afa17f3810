"""Evaluation: metrics, suites, significance, speed and reports."""
