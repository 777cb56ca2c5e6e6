"""Importers: documentation people already wrote (HF cards, Croissant) into a card."""
