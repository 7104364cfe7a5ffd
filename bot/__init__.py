"""Balagh Raqmi (بلاغ رقمي) bilingual report-intake assistant."""

__version__ = "0.1.0"
