"""Read text-layer PDF disclosures (部门预算 / 部门决算) into the canonical model.

``extract`` gives characters (radicals folded by ``normalize``) and ruling lines per page through
pypdfium2; ``grid`` rebuilds table rows and cells with their boxes; ``assemble`` types them with
the layout through ``TableBuilder``; ``reader.read_pdf`` ties it together.
"""

from cnbudget.ingest.pdf.normalize import normalize_cjk
from cnbudget.ingest.pdf.reader import detect_layout, read_pdf

__all__ = ["detect_layout", "normalize_cjk", "read_pdf"]
