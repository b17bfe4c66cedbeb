"""Data: :mod:`~dlfs.data.prepare` (splits, standardization, one-hot), :mod:`~dlfs.data.shipped`
(data sets inside installed packages, offline), :mod:`~dlfs.data.mnist` (download once, cached, checked),
:mod:`~dlfs.data.text` (the Python documentation that ships with Python, as characters)."""
