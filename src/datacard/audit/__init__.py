"""The governance audit (``datacard audit``): personal data, sensitive attributes, licences,
poisoning hints and compliance gaps. Each part is its own module and yields findings; the
orchestration stores them in the card (see docs/audit.md)."""
