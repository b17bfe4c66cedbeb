"""Chapter 10: the course's ideas in PyTorch, and the bridge that proves both agree.

Arranged like :mod:`dlfs.nn`, one concept per module:

- :mod:`~dlfs.pytorch.layers` -- :class:`~dlfs.pytorch.layers.DenseLayer`, chapter 06's ``Dense`` as a ``torch.nn.Module``;
- :mod:`~dlfs.pytorch.training` -- one training step, data loaders, ``fit`` with a validation split, accuracy;
- :mod:`~dlfs.pytorch.models` -- the chapter's networks: a CNN and an LSTM for the digits, an autoencoder;
- :mod:`~dlfs.pytorch.bridge` -- the same weights in both: copy a from-scratch layer or network into
  PyTorch and compare outputs and gradients in float64.

Only this package (and ``dlfs.checks.pytorch``) imports ``torch``: the other chapters never pay for it.
"""
