"""Parallel work: the worker fork server, process pools and every threshold for using them.

``workers`` (fork server, pools, workers that end with their parent), ``mapping`` (the
``Mapper`` a stage runs its work through: this process or worker processes), ``warmup``
(what the fork server loads before forking), ``thresholds`` (when a stage goes parallel).
"""
