"""Records: the files the tool writes and reads back (build reports, the release ledger,
the lookup cache).

Each record has one typed class here, with the only reader and writer of its files and
the only functions that turn an environment's name and version into a path. What is
read back is untrusted: it is read only as a regular file reached without symbolic
links, bounded in size and nesting, and checked against its schema before any code
uses it.
"""
