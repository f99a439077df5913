"""PyTorch modules for 28x28 grey images (input ``(n, 1, 28, 28)``, pixels in [0, 1]).

Every module takes ``n_classes`` and returns logits of shape ``(n, n_classes)``;
the output layer is always the attribute ``classifier`` (the last layer), so
transfer learning can replace exactly that layer.

- :class:`SeedCNN`: the seed CNN exactly, Conv32-Pool-Conv64-Pool-Conv64-Dense128.
- :class:`DeepCNN`: VGG-style blocks of 3x3 convolutions with batch norm and
  dropout, optional squeeze-and-excitation channel attention.
- :class:`SmallResNet`: a small residual network for one grey channel.
- :class:`RowLSTM`: reads the 28 image rows as a sequence of 28-pixel vectors.
"""

import torch
from torch import nn

__all__ = ["SeedCNN", "DeepCNN", "SmallResNet", "RowLSTM", "SqueezeExcite"]


class SeedCNN(nn.Module):
    """The seed CNN: Conv32-Pool-Conv64-Pool-Conv64-Dense128 (valid padding, ReLU).

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    dense_size : int, default=128
        Width of the hidden dense layer.

    Examples
    --------
    >>> import torch
    >>> from sklearn_emnist.neural._modules import SeedCNN
    >>> SeedCNN(26)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 26])
    """

    def __init__(self, n_classes, dense_size=128):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2),   # 26 -> 13
            nn.Conv2d(32, 64, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 11 -> 5
            nn.Conv2d(64, 64, 3), nn.ReLU(inplace=True),                   # 3
            nn.Flatten(),
            nn.Linear(64 * 3 * 3, dense_size), nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(dense_size, n_classes)

    def forward(self, X):
        return self.classifier(self.features(X))


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation channel attention (Hu et al., 2018).

    Examples
    --------
    >>> import torch
    >>> from sklearn_emnist.neural._modules import SqueezeExcite
    >>> SqueezeExcite(16)(torch.ones(2, 16, 7, 7)).shape
    torch.Size([2, 16, 7, 7])
    """

    def __init__(self, channels, reduction=8):
        super().__init__()
        hidden = max(channels // reduction, 4)
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, hidden, 1), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1), nn.Sigmoid(),
        )

    def forward(self, X):
        return X * self.gate(X)


def _conv_bn(c_in, c_out, stride=1):
    return [
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]


class DeepCNN(nn.Module):
    """VGG-style CNN: blocks of 3x3 conv + batch norm, max pooling, dropout.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    channels : tuple of int, default=(32, 64, 128)
        Channels of each block; each block halves the image size.
    convs_per_block : int or tuple of int, default=1
        3x3 convolutions per block (a tuple gives one count per block).
    dense_size : int, default=256
        Width of the hidden dense layer.
    dropout : float, default=0.3
        Dropout after each block (spatial dropout is not used: plain dropout
        regularises these small feature maps better) and before the output.
    attention : bool, default=False
        Add a squeeze-and-excitation block at the end of every block.

    Examples
    --------
    >>> import torch
    >>> from sklearn_emnist.neural._modules import DeepCNN
    >>> DeepCNN(26, channels=(8, 16), dense_size=32)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 26])
    """

    def __init__(self, n_classes, channels=(32, 64, 128), convs_per_block=1,
                 dense_size=256, dropout=0.3, attention=False):
        super().__init__()
        layers, c_in, size = [], 1, 28
        if isinstance(convs_per_block, int):
            convs_per_block = (convs_per_block,) * len(channels)
        for c_out, n_convs in zip(channels, convs_per_block):
            for i in range(n_convs):
                layers += _conv_bn(c_in if i == 0 else c_out, c_out)
            if attention:
                layers.append(SqueezeExcite(c_out))
            layers.append(nn.MaxPool2d(2))
            size //= 2
            if dropout:
                layers.append(nn.Dropout(dropout / 2))
            c_in = c_out
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Sequential(
            nn.Linear(c_in * size * size, dense_size, bias=False),
            nn.BatchNorm1d(dense_size),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
        )
        self.classifier = nn.Linear(dense_size, n_classes)

    def forward(self, X):
        return self.classifier(self.head(self.features(X)))


class _BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1, attention=False):
        super().__init__()
        self.body = nn.Sequential(
            *_conv_bn(c_in, c_out, stride),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            *([SqueezeExcite(c_out)] if attention else []),
        )
        self.shortcut = (
            nn.Identity()
            if stride == 1 and c_in == c_out
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                               nn.BatchNorm2d(c_out))
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, X):
        return self.relu(self.body(X) + self.shortcut(X))


class SmallResNet(nn.Module):
    """A small ResNet for one grey channel: a 3x3 stem and one basic block per stage.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    channels : tuple of int, default=(32, 64, 128)
        Channels per stage; every stage after the first halves the size.
    blocks_per_stage : int, default=1
        Residual blocks per stage.
    dropout : float, default=0.2
        Dropout before the output layer.
    attention : bool, default=False
        Squeeze-and-excitation inside every residual block.

    Examples
    --------
    >>> import torch
    >>> from sklearn_emnist.neural._modules import SmallResNet
    >>> SmallResNet(10, channels=(8, 16))(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, n_classes, channels=(32, 64, 128), blocks_per_stage=1,
                 dropout=0.2, attention=False):
        super().__init__()
        layers = list(_conv_bn(1, channels[0]))
        c_in = channels[0]
        for stage, c_out in enumerate(channels):
            for block in range(blocks_per_stage):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(_BasicBlock(c_in, c_out, stride, attention))
                c_in = c_out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c_in, n_classes)

    def forward(self, X):
        return self.classifier(self.features(X))


class RowLSTM(nn.Module):
    """LSTM over the 28 rows of an image, then a dense layer and the output.

    The seed recipe is ``hidden_size=128, num_layers=1, bidirectional=False,
    dense_size=128``.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    hidden_size : int, default=128
        LSTM units per direction.
    num_layers : int, default=1
        Stacked LSTM layers.
    bidirectional : bool, default=False
        Read the rows top-down and bottom-up.
    dense_size : int, default=128
        Width of the dense layer after the LSTM (0: none).
    dropout : float, default=0.0
        Dropout between LSTM layers and before the output.

    Examples
    --------
    >>> import torch
    >>> from sklearn_emnist.neural._modules import RowLSTM
    >>> RowLSTM(26, hidden_size=16, bidirectional=True)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 26])
    """

    def __init__(self, n_classes, hidden_size=128, num_layers=1, bidirectional=False,
                 dense_size=128, dropout=0.0):
        super().__init__()
        self.lstm = nn.LSTM(28, hidden_size, num_layers=num_layers, batch_first=True,
                            bidirectional=bidirectional,
                            dropout=dropout if num_layers > 1 else 0.0)
        width = hidden_size * (2 if bidirectional else 1)
        head = []
        if dense_size:
            head += [nn.Linear(width, dense_size), nn.ReLU(inplace=True)]
            width = dense_size
        if dropout:
            head.append(nn.Dropout(dropout))
        self.head = nn.Sequential(*head)
        self.classifier = nn.Linear(width, n_classes)

    def forward(self, X):
        rows = X.reshape(X.shape[0], 28, 28)
        _, (h_n, _) = self.lstm(rows)
        if self.lstm.bidirectional:
            last = torch.cat([h_n[-2], h_n[-1]], dim=1)
        else:
            last = h_n[-1]
        return self.classifier(self.head(last))
