"""The Awin product feed import: a publisher feed's rows into raw rows, retail prices and catalog.

``pricing.awin.importer.awin_feed_import`` is the one entry point (``manage.py
import_awin_feed`` and the admin's upload call it). What it does and why, rule by rule:
docs/imports/awin.md. The modules, in the order a row goes through them:

* ``columns``: the one spec of the feed columns the import reads, and where each value goes
  (the header's known columns, the length limits, the staging table's columns and the
  columns the upserts write all come from it);
* ``reader``: the header (``FeedLayout``) and one row at a time (``AwinRowReader`` turns a row
  into a validated ``AwinRow`` or its problems; ``Snapshot`` recognizes unchanged rows);
* ``sizes`` and ``brands``: what a row's size, gender class, brand and style code become;
* ``pipeline``: the reader thread, which reads, validates and formats rows while the
  importing thread writes;
* ``staging``: the TEMP staging tables and the set-based SQL pass that matches and writes;
* ``importer``: ``awin_feed_import`` and the run it drives (progress, counts, all or nothing).

The reader side (``columns``, ``reader``, ``sizes``, ``brands``) is pure Python, without the
database.
"""
