"""Pre-parser that every CSV import goes through before a single row is imported.

It unwraps gzip and zip (by magic bytes), decodes UTF-8 (with or without BOM) or cp1252, sniffs
the delimiter, and yields each row as a dict keyed by the normalized header together with the
physical line where the row starts and its text as written. It never pads or drops fields:
a row whose field count differs from the header's is an error naming the file and line.
Everything streams with bounded memory, so a 1 GB feed costs what a 1 MB one does. An
importer that recognizes rows it read before can have their lines passed over unparsed
(``TabularReader.skip_lines``) without changing any line number.

The package, one topic per module:

- ``opening``: unwrap gzip and zip, decode, split physical lines;
- ``reader``: sniff the delimiter, yield rows (``open_table``, ``TabularReader``, ``Row``);
- ``headers``: header and column checks;
- ``values``: the value parsers every import shares (money, dates, booleans, integers);
- ``errors``: ``RowError``, ``FileRejected`` and the value errors;
- ``formulas``: formula escaping for spreadsheet exports.
 django-import-export's own CSV
path is comma-only, UTF-8-only and pads short rows (docs/stack-facts.md, trap 3), hence this module.

Typical use::

    with open_table(upload, "feed.csv.gz", on_error="collect") as table:
        table.check_header(required={"aw_product_id", "ean", "search_price"})
        for row in table:
            cents, currency = parse_money(row["search_price"], row.get("currency") or None)
        table.raise_if_errors()
"""
