"""Adapters: turn a third-party data set into a contract extract that the normal ETL loads.

An adapter writes files in the format of ``shared/spec/DATA_CONTRACT.md`` and nothing else, so
the data then goes through exactly the same read → validate → load path as a bank's delivery.
"""
