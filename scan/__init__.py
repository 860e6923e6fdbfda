"""扫一扫 (Scan): OCR of ID cards, business licences and documents, checked and confirmed before saving.

The design puts OCR under ``forms_fill``; it is a small app of its own because forms_fill
was being built by a colleague at the same time, and a separate app keeps the two sets of
migrations apart. It writes people (``forms_fill.Person``) and enterprises
(``credit.Enterprise``) only after a person confirmed the values, and links scans to cases,
inspections, people and enterprises through its own ``ScanLink`` table.
"""
