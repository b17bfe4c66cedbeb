"""dlfs: deep learning from scratch, the library behind the course notebooks.

The layout, by role (``lib/README.md`` draws it with the chapters that use each part)::

    dlfs.functions, dlfs.derivatives, dlfs.chain,    the from-scratch maths of chapters 01-05,
    dlfs.matmul, dlfs.regression                     one module per chapter, in teaching order
    dlfs.convolution   chapter 08's convolution and pooling as plain loops, forward and backward
    dlfs.autodiff  chapter 09: a tiny automatic-differentiation engine (Node, Value)
    dlfs.nn        the framework (chapters 06-07): operations, layers, losses, dropout,
                   init, network, optim, trainer; chapter 08: conv, pooling;
                   chapter 09: recurrent, clipping, language
    dlfs.data      data: splits and one-hot (prepare), offline data sets (shipped), MNIST (mnist),
                   the Python documentation as text (text)
    dlfs.pytorch   chapter 10: the same ideas in PyTorch (layers, training, models) and the
                   bridge that copies weights between the two libraries
    dlfs.draw      pictures: canvas, graphs, matrices, curves, networks, landscapes, results,
                   convolutions, autodiff, sequences, pytorch
    dlfs.widgets   ipywidgets explorers, one module per chapter
    dlfs.checks    the graders' side: the gradient-check core (gradcheck) and each chapter's checks
    dlfs.learner   notebook helpers: ``uses_your`` lets a demo cell that needs an unfinished
                   exercise say so in one line instead of stopping Run All

Learners import the maths, ``dlfs.nn``, ``dlfs.data``, ``dlfs.draw`` and ``dlfs.widgets``;
only test cells import ``dlfs.checks``. Every name has one import path: packages do not
re-export their modules' contents.
"""

__version__ = "0.1.0"
