"""dlfs: deep learning from scratch, the library behind the course notebooks.

Modules, in the order the chapters teach them:

- :mod:`dlfs.functions` -- chapter 01: array functions (square, ReLU, leaky ReLU, sigmoid).
- :mod:`dlfs.derivatives` -- chapter 02: numerical derivatives (forward and central differences).
- :mod:`dlfs.chain` -- chapter 03: chains of functions and the chain rule.
- :mod:`dlfs.matmul` -- chapter 04: gradients through matrix multiplication.
- :mod:`dlfs.regression` -- chapter 05: linear regression and a two-layer network, by hand.
- :mod:`dlfs.datasets` -- real data that ships offline (diabetes, digits), train/test splits, MNIST download.
- The framework (chapters 06-07): :mod:`dlfs.operations`, :mod:`dlfs.initializers`,
  :mod:`dlfs.dropout`, :mod:`dlfs.layers`, :mod:`dlfs.losses`, :mod:`dlfs.network`,
  :mod:`dlfs.optimizers`, :mod:`dlfs.trainer`.
- :mod:`dlfs.gradcheck` -- used by every graded check: central-difference gradients,
  relative error, and assertions whose messages say what is wrong.
- :mod:`dlfs.checks` -- the graded checks of each chapter's exercises.
- :mod:`dlfs.diagrams` -- matplotlib pictures: function boxes, chains of boxes, graphs, array axes.
- :mod:`dlfs.matrix_diagrams` -- matplotlib pictures of matrix products and their gradients.
- :mod:`dlfs.network_diagrams` -- matplotlib pictures of a network as a stack of boxes, forward and backward.
- :mod:`dlfs.plots` -- matplotlib plots: functions, tangents, difference errors.
- :mod:`dlfs.widgets` -- small ipywidgets explorers, one module per chapter.
"""

__version__ = "0.1.0"
