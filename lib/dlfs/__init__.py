"""dlfs: deep learning from scratch, the library behind the course notebooks.

Modules, in the order the chapters teach them:

- :mod:`dlfs.functions` -- chapter 01: array functions (square, ReLU, leaky ReLU, sigmoid).
- :mod:`dlfs.derivatives` -- chapter 02: numerical derivatives (forward and central differences).
- :mod:`dlfs.gradcheck` -- used by every graded check: central-difference gradients,
  relative error, and assertions whose messages say what is wrong.
- :mod:`dlfs.diagrams` -- matplotlib pictures: function boxes, chains, tangents.
- :mod:`dlfs.widgets` -- small ipywidgets explorers.
- :mod:`dlfs.checks` -- the graded checks of each chapter's exercises.
"""

__version__ = "0.1.0"
