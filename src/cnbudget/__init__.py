"""cnbudget: read, check and publish Chinese government budget disclosures (部门预算公开).

The package follows one direction of data flow:
ingest (readers) -> model (canonical document) -> checks (rules) -> export / outputs.
"""

__version__ = "0.1.0"
