"""Parallel work: the worker fork server, process pools and every threshold for using them.

``workers`` (fork server, pools, workers that end with their parent), ``warmup`` (what the
fork server loads before forking), ``thresholds`` (when a stage goes parallel).
"""
