"""Pictures drawn with matplotlib, one module per kind of picture.

- :mod:`~dlfs.draw.canvas` -- what they all share: colours, the :class:`~dlfs.draw.canvas.Diagram` figure, boxes, wires.
- :mod:`~dlfs.draw.graphs` -- functions as boxes, chains, computational graphs.
- :mod:`~dlfs.draw.matrices` -- arrays as grids of numbers: axes, broadcasting, matrix products and their gradients.
- :mod:`~dlfs.draw.curves` -- plots of functions, tangents, slopes and numerical errors.
- :mod:`~dlfs.draw.networks` -- a network as layers of boxes or units, forward and backward.
- :mod:`~dlfs.draw.landscapes` -- loss surfaces and the paths optimisers take.
- :mod:`~dlfs.draw.results` -- data, fits, training histories and accuracies.
- :mod:`~dlfs.draw.convolutions` -- kernels sliding over signals and images, forward and backward, channels,
  pooling, feature maps, learned kernels and convolution timings.
- :mod:`~dlfs.draw.autodiff` -- graphs that branch: fan-out, and any graph of autodiff nodes with its gradients.
- :mod:`~dlfs.draw.sequences` -- recurrent networks: the unrolled graph, the LSTM and GRU cells, gradient norms through
  time, language-model results.

Every figure has a title and labelled axes; none is kept by ``pyplot``, so all work headless.
"""
