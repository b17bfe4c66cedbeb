"""Chapter 09's explorer: sampling text from a character-level language model at a temperature.

:func:`temperature_explorer` shows, for a trained :class:`dlfs.nn.language.CharLanguageModel`,
the probabilities of the character after a prompt and a sample of text that continues it,
both at the temperature a slider sets: the logits are divided by the temperature before the
softmax, so a low temperature makes the likeliest characters likelier still (and the text
repetitive), a high one flattens the distribution (and the text turns to noise).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from dlfs.data.text import Vocabulary
from dlfs.draw.sequences import plot_next_char_distribution
from dlfs.nn.language import CharLanguageModel, next_char_probabilities, sample
from dlfs.widgets import show_figure


def temperature_explorer(model: CharLanguageModel, vocab: Vocabulary, prompt: str = "The ", temperature: float = 0.7,
                         length: int = 240, seed: int = 0) -> widgets.VBox:
    """A temperature slider, a prompt, and a "new sample" button over the model's next-character
    probabilities and a sampled continuation of ``length`` characters.

    Args:
        model: a trained character model; its ``state`` is left as it is.
        vocab: the vocabulary it was trained with.
        prompt: the starting text (characters the vocabulary lacks count as unknown).
        temperature: the starting temperature; the slider is logarithmic, 0.1 to 3.
        length: characters sampled each time.
        seed: seeds the first sample; the button draws the next ones from the same generator.

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    style = {"description_width": "initial"}
    heat = widgets.FloatLogSlider(value=temperature, base=10, min=-1, max=np.log10(3.0), step=0.02,
                                  description="temperature", readout_format=".2f", style=style)
    text = widgets.Text(value=prompt, description="prompt", style=style)
    again = widgets.Button(description="new sample")
    picture = widgets.Output()
    sampled = widgets.HTML()
    rng = np.random.default_rng(seed)

    def redraw(_change: object = None) -> None:
        ids = vocab.encode(text.value or " ")
        probs = next_char_probabilities(model, ids, heat.value)
        out = sample(model, ids, length, heat.value, rng)
        shown = html.escape(text.value) + "<b>" + html.escape(vocab.decode(out)) + "</b>"
        sampled.value = f"<pre style='white-space: pre-wrap; font-size: 12px'>{shown}</pre>"
        show_figure(picture, plot_next_char_distribution(probs, vocab.chars, heat.value))

    heat.observe(redraw, names="value")
    text.observe(redraw, names="value")
    again.on_click(redraw)
    redraw()
    return widgets.VBox([widgets.HBox([heat, text, again]), picture, sampled])
