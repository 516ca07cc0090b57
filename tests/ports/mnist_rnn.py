"""pytorch/examples mnist_rnn/main.py (an LSTM over image rows, BatchNorm1d, Dropout2d,
Adadelta and StepLR), with its import lines changed, MNIST replaced by small generated
28x28 images (64 to train, 32 to test) normalised as its ``transforms.Normalize`` does, and
its arguments given to ``parse_args`` (2 epochs, batch 16, test batch 16, a log line per
batch). Its ``nn.Dropout2d`` gets 2-D inputs, which PyTorch warns about: the warnings are
recorded (their categories are returned), not printed."""

# ruff: noqa: UP008, UP032, E501, RUF059, SIM108  (the program's own code, kept verbatim)
from __future__ import annotations

import argparse
import warnings
from typing import Any

from ports._data import images


def run(fw: Any, argv: tuple[str, ...] = ("--epochs", "2", "--batch-size", "16",
                                          "--test-batch-size", "16", "--log-interval", "1",
                                          "--save-model")) -> dict[str, Any]:
    torch = fw.torch
    nn = fw.nn
    F = fw.F
    optim = fw.optim
    StepLR = fw.lr_scheduler.StepLR
    record: dict[str, Any] = {"train_loss": [], "test_loss": [], "correct": []}

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
            self.batchnorm = nn.BatchNorm1d(64)
            self.dropout1 = nn.Dropout2d(0.25)
            self.dropout2 = nn.Dropout2d(0.5)
            self.fc1 = nn.Linear(64, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, input):
            # Shape of input is (batch_size,1, 28, 28)
            # converting shape of input to (batch_size, 28, 28)
            # as required by RNN when batch_first is set True
            input = input.reshape(-1, 28, 28)
            output, hidden = self.rnn(input)

            # RNN output shape is (seq_len, batch, input_size)
            # Get last output of RNN
            output = output[:, -1, :]
            output = self.batchnorm(output)
            output = self.dropout1(output)
            output = self.fc1(output)
            output = F.relu(output)
            output = self.dropout2(output)
            output = self.fc2(output)
            output = F.log_softmax(output, dim=1)
            return output

    def train(args, model, device, train_loader, optimizer, epoch):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            if batch_idx % args.log_interval == 0:
                print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                           100. * batch_idx / len(train_loader), loss.item()))
                record["train_loss"].append(loss.item())
                if args.dry_run:
                    break

    def test(args, model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
                pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
                correct += pred.eq(target.view_as(pred)).sum().item()
                if args.dry_run:
                    break

        test_loss /= len(test_loader.dataset)

        print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
            test_loss, correct, len(test_loader.dataset),
            100. * correct / len(test_loader.dataset)))
        record["test_loss"].append(test_loss)
        record["correct"].append(correct)

    def main():
        # Training settings
        parser = argparse.ArgumentParser(description='PyTorch MNIST Example using RNN')
        parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                            help='input batch size for training (default: 64)')
        parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                            help='input batch size for testing (default: 1000)')
        parser.add_argument('--epochs', type=int, default=14, metavar='N',
                            help='number of epochs to train (default: 14)')
        parser.add_argument('--lr', type=float, default=0.1, metavar='LR',
                            help='learning rate (default: 0.1)')
        parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                            help='learning rate step gamma (default: 0.7)')
        parser.add_argument('--accel', action='store_true',
                            help='enables accelerator')
        parser.add_argument('--dry-run', action='store_true',
                            help='quickly check a single pass')
        parser.add_argument('--seed', type=int, default=1, metavar='S',
                            help='random seed (default: 1)')
        parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                            help='how many batches to wait before logging training status')
        parser.add_argument('--save-model', action='store_true',
                            help='for Saving the current Model')
        args = parser.parse_args(argv)

        if args.accel:
            device = torch.accelerator.current_accelerator()
        else:
            device = torch.device("cpu")

        torch.manual_seed(args.seed)

        # port: generated images for datasets.MNIST(..., transform=transforms.Compose(...))
        def dataset(n, seed):
            x, y = images(n, (1, 28, 28), seed=seed)
            x = (x - 0.1307) / 0.3081
            return torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))

        kwargs = {'num_workers': 1, 'pin_memory': True} if args.accel else {}
        train_loader = torch.utils.data.DataLoader(
            dataset(64, seed=11),
            batch_size=args.batch_size, shuffle=True, **kwargs)
        test_loader = torch.utils.data.DataLoader(
            dataset(32, seed=12),
            batch_size=args.test_batch_size, shuffle=True, **kwargs)

        model = Net().to(device)
        fw.sync(model)  # port: the same initial weights in both runs
        optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

        scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
        for epoch in range(1, args.epochs + 1):
            train(args, model, device, train_loader, optimizer, epoch)
            test(args, model, device, test_loader)
            scheduler.step()

        if args.save_model:
            torch.save(model.state_dict(), "mnist_rnn.pt")
        record["running_var"] = model.batchnorm.running_var.tolist()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main()
    record["warnings"] = sorted({w.category.__name__ for w in caught})
    return record
