"""Images and audio as tables: folders of media files profiled like any other dataset.

A split's media files form one collection (:class:`datacard.readers.base.Collection`), read by
the ``imagefolder`` and ``audiofolder`` readers as a table with one row per file: an ``image``
or ``audio`` column (:mod:`datacard.media.types`) of per-file facts, a ``label`` from class
folders, and the columns of a ``metadata.csv``/``.jsonl``/``.parquet`` beside the files.
See ``docs/media.md``.
"""
