"""Recurrent models: ``lstm``, an LSTM that reads an MNIST image row by row.

The image's 28 rows are 28 time steps of 28 pixels each; the last hidden state of the top
layer goes through one linear layer to the 10 class scores, so the model plugs into the same
loss, accuracy and training loop as the convolutional ones.

>>> import minigrad as mg
>>> RowLSTM()(mg.zeros(2, 1, 28, 28)).shape
Size([2, 10])
"""

from __future__ import annotations

from minigrad import nn
from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

__all__ = ["RowLSTM"]


class RowLSTM(nn.Module):
    """``nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)`` over the rows of an
    image, then ``nn.Linear(hidden_size, num_classes)`` on the last step's hidden state.

    Takes images ``(N, 1, H, W)`` or sequences ``(N, H, W)`` (``W`` must be ``input_size``).
    Submodules are named ``lstm`` and ``fc``, so a PyTorch model with the same two attributes
    loads its ``state_dict`` unchanged.

    >>> import minigrad as mg
    >>> m = RowLSTM(hidden_size=16, num_layers=2)
    >>> m(mg.zeros(3, 28, 28)).shape, m.lstm.num_layers
    (Size([3, 10]), 2)
    """

    def __init__(self, input_size: int = 28, hidden_size: int = 128, num_layers: int = 1,
                 num_classes: int = 10, dropout: float = 0.0) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                            dropout=dropout)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 4 and x.shape[1] == 1:
            x = x.reshape(x.shape[0], x.shape[2], x.shape[3])
        if x.dim() != 3 or x.shape[2] != self.lstm.input_size:
            raise ShapeError(
                f"RowLSTM: expected images (N, 1, H, {self.lstm.input_size}) or sequences "
                f"(N, H, {self.lstm.input_size}), got {tuple(x.shape)}")
        _, (h_n, _) = self.lstm(x)
        return self.fc(h_n[-1])
