"""Platform sales reports (StockX, GOAT, Alias, eBay) imported as orders.

A report's header decides its format; each row is read into a sale, matched to the oldest
unsold pair of its product and size, and recorded by the sale service (``services.sale_record``);
a sale no single pair can be matched to goes to the review queue. Rules:
docs/imports/sales-reports.md.

Modules:

- ``formats``: one ``ReportFormat`` per platform export (``FORMATS``), which platforms a report
  can be imported for, and detection of the format from the header (``detect_format``).
- ``parser``: one row of a detected format read into a ``ReportedSale``, or ``RowInvalid`` with
  every bad cell located (``SaleParser``). Pure parsing, no database.
- ``importer``: ``sales_report_import``, the service the ``import_sales_report`` command and the
  admin's import screen call (matching, fees, writes, the review queue, the import run), and
  ``report_platform_choices``, the platforms the import screen offers.
"""
