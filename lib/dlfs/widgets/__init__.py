"""Small ipywidgets explorers, one module per chapter that uses them.

Each explorer is a function that builds the widgets, draws with matplotlib and
returns the widget box, so a notebook cell ends with ``explorer(...)`` and shows it.
Outside a notebook (or in tests) the same functions run and draw without a screen.
"""
