"""Chapter 10: the networks the chapter trains in PyTorch, all for the 8 x 8 digits.

- :class:`DigitsCNN` -- two 3 x 3 convolutions (chapter 08), max pooling, a dense classifier.
- :class:`RowLSTM` -- an LSTM (chapter 09) that reads an image as a sequence of its 8 rows.
- :class:`Autoencoder` -- learning without labels: 64 pixels squeezed through a 2-number code and back.
"""

from __future__ import annotations

from torch import Tensor, nn


class DigitsCNN(nn.Module):
    """``(n, 64)`` pixels (or ``(n, 1, 8, 8)`` images) -> ``(n, 10)`` logits.

    Three 3x3 convolutions ("same" padding), each followed by batch normalisation and ReLU:
    1 -> c1 channels, c1 -> c1, max pool 2x2 (8x8 -> 4x4), c1 -> c2, max pool 2x2 (-> 2x2);
    then flatten (c2·2·2), dropout, and a dense layer to the 10 classes.
    """

    def __init__(self, c1: int = 32, c2: int = 64, dropout: float = 0.4) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.Conv2d(c1, c1, kernel_size=3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(c2 * 2 * 2, 10))

    def forward(self, X: Tensor) -> Tensor:
        if X.ndim == 2:  # rows of 64 pixels: make them one-channel images
            X = X.reshape(-1, 1, 8, 8)
        return self.classifier(self.features(X))


class RowLSTM(nn.Module):
    """``(n, 64)`` pixels read as 8 steps of 8 pixels -> LSTM (hidden units) -> last state -> ``(n, 10)`` logits."""

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=8, hidden_size=hidden, batch_first=True)
        self.out = nn.Linear(hidden, 10)

    def forward(self, X: Tensor) -> Tensor:
        rows = X.reshape(-1, 8, 8)            # (n, T=8 steps, 8 features per step)
        states, _ = self.lstm(rows)           # (n, 8, hidden): the state after every step
        return self.out(states[:, -1])        # the state after the last row sums up the image


class Autoencoder(nn.Module):
    """``(n, 64)`` pixels in [0, 1] -> a code ``(n, code_size)`` -> ``(n, 64)`` reconstructed pixels in (0, 1).

    encoder: dense 64 -> hidden, tanh, dense hidden -> code_size; decoder: dense code_size -> hidden,
    tanh, dense hidden -> 64, sigmoid. Trained to give back its input: no labels needed.
    """

    def __init__(self, code_size: int = 2, hidden: int = 64) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, hidden), nn.Tanh(), nn.Linear(hidden, code_size))
        self.decoder = nn.Sequential(nn.Linear(code_size, hidden), nn.Tanh(), nn.Linear(hidden, 64), nn.Sigmoid())

    def forward(self, X: Tensor) -> Tensor:
        return self.decoder(self.encoder(X))
