"""Data: :mod:`~dlfs.data.prepare` (splits, standardization, one-hot), :mod:`~dlfs.data.shipped`
(data sets inside installed packages, offline), :mod:`~dlfs.data.mnist` (download once, cached, checked)."""
