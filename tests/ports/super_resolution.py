"""pytorch/examples super_resolution (main.py with its model.py: an ESPCN with
``nn.PixelShuffle``, ``init.orthogonal_`` with ``init.calculate_gain``, Adam, PSNR, the whole
model saved each epoch), with its import lines changed: ``from model import Net`` is the
function below and ``from data import ...`` gives small generated pairs (16 high-resolution
1x24x24 images to train, 6 to test, and their 3x block means as inputs) in place of BSDS300.
Its options are given to ``parse_args`` (upscale 3, batch 4, 2 worker processes)."""

# ruff: noqa: UP008, UP032, E501  (the program's own code, kept verbatim)
from __future__ import annotations

import argparse
from math import log10
from typing import Any

import numpy as np

from ports._data import images


def model_module(torch: Any, nn: Any, init: Any, tag: str) -> Any:
    """super_resolution/model.py; the class gets a module-level name, so that
    ``torch.save(model)`` can pickle it."""

    class Net(nn.Module):
        def __init__(self, upscale_factor):
            super(Net, self).__init__()

            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
            self.conv4 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

            self._initialize_weights()

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            x = self.relu(self.conv3(x))
            x = self.pixel_shuffle(self.conv4(x))
            return x

        def _initialize_weights(self):
            init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
            init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
            init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
            init.orthogonal_(self.conv4.weight)

    Net.__qualname__ = f"Net_{tag}"
    globals()[Net.__qualname__] = Net
    return Net


def data_sets(torch: Any, upscale_factor: int) -> tuple[Any, Any]:
    """Generated (input, target) pairs: targets 1x24x24, inputs their block means."""
    def pairs(n, seed):
        hi, _ = images(n, (1, 24, 24), seed=seed)
        s = upscale_factor
        lo = hi.reshape(n, 1, 24 // s, s, 24 // s, s).mean(axis=(3, 5)).astype(np.float32)
        return torch.utils.data.TensorDataset(torch.from_numpy(lo), torch.from_numpy(hi))
    return pairs(16, 14), pairs(6, 15)


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch
    nn = fw.nn
    optim = fw.optim
    DataLoader = fw.torch.utils.data.DataLoader  # port: from torch.utils.data import
    Net = model_module(torch, nn, fw.torch.nn.init, fw.name)  # port: from model import Net
    record: dict[str, Any] = {"loss": [], "psnr": []}

    parser = argparse.ArgumentParser(description='PyTorch Super Res Example')
    parser.add_argument('--upscale_factor', type=int, required=True, help="super resolution upscale factor")
    parser.add_argument('--batchSize', type=int, default=64, help='training batch size')
    parser.add_argument('--testBatchSize', type=int, default=10, help='testing batch size')
    parser.add_argument('--nEpochs', type=int, default=2, help='number of epochs to train for')
    parser.add_argument('--lr', type=float, default=0.01, help='Learning Rate. Default=0.01')
    parser.add_argument('--accel', action='store_true', help='Enables acceleration for training, if available')
    parser.add_argument('--threads', type=int, default=4, help='number of threads for data loader to use')
    parser.add_argument('--seed', type=int, default=123, help='random seed to use. Default=123')
    opt = parser.parse_args(["--upscale_factor", "3", "--batchSize", "4", "--testBatchSize",
                             "3", "--threads", "2"])

    print(opt)

    torch.manual_seed(opt.seed)

    if opt.accel and torch.accelerator.is_available():
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")

    print('===> Loading datasets')
    train_set, test_set = data_sets(torch, opt.upscale_factor)  # port: get_training/test_set
    training_data_loader = DataLoader(dataset=train_set, num_workers=opt.threads, batch_size=opt.batchSize, shuffle=True)
    testing_data_loader = DataLoader(dataset=test_set, num_workers=opt.threads, batch_size=opt.testBatchSize, shuffle=False)

    print('===> Building model')
    model = Net(upscale_factor=opt.upscale_factor).to(device)
    fw.sync(model)  # port: the same initial weights in both runs
    criterion = nn.MSELoss()

    optimizer = optim.Adam(model.parameters(), lr=opt.lr)

    def train(epoch):
        epoch_loss = 0
        for iteration, batch in enumerate(training_data_loader, 1):
            input, target = batch[0].to(device), batch[1].to(device)

            optimizer.zero_grad()
            loss = criterion(model(input), target)
            epoch_loss += loss.item()
            loss.backward()
            optimizer.step()

            print("===> Epoch[{}]({}/{}): Loss: {:.4f}".format(epoch, iteration, len(training_data_loader), loss.item()))
            record["loss"].append(loss.item())

        print("===> Epoch {} Complete: Avg. Loss: {:.4f}".format(epoch, epoch_loss / len(training_data_loader)))

    def test():
        avg_psnr = 0
        with torch.no_grad():
            for batch in testing_data_loader:
                input, target = batch[0].to(device), batch[1].to(device)

                prediction = model(input)
                mse = criterion(prediction, target)
                psnr = 10 * log10(1 / mse.item())
                avg_psnr += psnr
        print("===> Avg. PSNR: {:.4f} dB".format(avg_psnr / len(testing_data_loader)))
        record["psnr"].append(avg_psnr / len(testing_data_loader))

    def checkpoint(epoch):
        model_out_path = "model_epoch_{}.pth".format(epoch)
        torch.save(model, model_out_path)
        print("Checkpoint saved to {}".format(model_out_path))

    for epoch in range(1, opt.nEpochs + 1):
        train(epoch)
        test()
        checkpoint(epoch)
    return record
