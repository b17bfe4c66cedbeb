"""The framework: a network as operations inside layers, a loss, an optimizer and a trainer.

Like ``torch.nn`` and ``torch.optim``, in the order chapter 06 builds it:
:mod:`~dlfs.nn.operations` (one box each: forward and backward side by side),
:mod:`~dlfs.nn.layers` (a list of operations), :mod:`~dlfs.nn.losses`,
:mod:`~dlfs.nn.network`, :mod:`~dlfs.nn.optim` (optimizers and learning-rate schedules),
:mod:`~dlfs.nn.trainer`; chapter 07 adds :mod:`~dlfs.nn.init` and :mod:`~dlfs.nn.dropout`; chapter 08 adds :mod:`~dlfs.nn.conv`
(the fast sliding-window convolution as ``Conv2D``, ``ChannelBias``, ``Flatten``) and :mod:`~dlfs.nn.pooling`
(``MaxPool2D``). Image batches are ``(batch, channels, height, width)``.
Chapter 09 adds :mod:`~dlfs.nn.recurrent` (RNN, GRU and LSTM nodes and layers), :mod:`~dlfs.nn.clipping`
and :mod:`~dlfs.nn.language` (character-level language models and their baselines).
"""
