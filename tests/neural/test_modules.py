"""The PyTorch modules: exact seed architecture, shapes, options."""

import pytest
import torch

from sklearn_emnist.neural import DeepCNN, RowLSTM, SeedCNN, SmallResNet, SqueezeExcite


def n_parameters(module):
    return sum(p.numel() for p in module.parameters())


def test_seed_cnn_is_exactly_conv32_pool_conv64_pool_conv64_dense128():
    model = SeedCNN(26)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
        (1, 32, (3, 3)), (32, 64, (3, 3)), (64, 64, (3, 3))]
    assert sum(isinstance(m, torch.nn.MaxPool2d) for m in model.modules()) == 2
    dense = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(d.in_features, d.out_features) for d in dense] == [(576, 128), (128, 26)]
    # the Keras seed model's parameter count: 320 + 18,496 + 36,928 + 73,856 + 3,354
    assert n_parameters(model) == 132_954


@pytest.mark.parametrize("module", [
    DeepCNN(7, channels=(4, 8, 16)),
    DeepCNN(7, channels=(4, 8), convs_per_block=(1, 2), attention=True),
    SmallResNet(7, channels=(4, 8), blocks_per_stage=2, attention=True),
    RowLSTM(7, hidden_size=8, num_layers=2, bidirectional=True, dropout=0.1),
    RowLSTM(7, hidden_size=8, dense_size=0),
])
def test_every_module_maps_images_to_logits(module):
    assert module(torch.rand(5, 1, 28, 28)).shape == (5, 7)
    assert isinstance(module.classifier, torch.nn.Linear)  # what transfer learning replaces


def test_deep_cnn_attention_adds_squeeze_excite_blocks():
    plain = DeepCNN(3, channels=(4, 8))
    attention = DeepCNN(3, channels=(4, 8), attention=True)
    assert not any(isinstance(m, SqueezeExcite) for m in plain.modules())
    assert sum(isinstance(m, SqueezeExcite) for m in attention.modules()) == 2


def test_row_lstm_reads_rows_as_the_sequence():
    model = RowLSTM(3, hidden_size=4)
    assert model.lstm.input_size == 28 and model.lstm.batch_first
    image = torch.rand(1, 1, 28, 28)
    # reversing the row order changes the prediction; a flat image is read the same way
    assert not torch.allclose(model(image), model(image.flip(2)))
    torch.testing.assert_close(model(image), model(image.reshape(1, 784)))
