"""pytorch/examples time_sequence_prediction (generate_sine_wave.py, then train.py: two
LSTMCells in float64 trained with LBFGS), with their import lines changed, the series
shortened (6 of length 24, not 100 of length 1000), 1 LBFGS step (of 20 evaluations)
instead of 15, 10 future values instead of 1000, and the matplotlib figure left out.

The original loads the array with ``torch.load('traindata.pt')``; since PyTorch 2.6 that
refuses a pickled NumPy array (``weights_only=True``), so the port passes
``weights_only=False``, as a user of PyTorch 2.6+ has to."""

# ruff: noqa: UP008, B007  (the program's own code, kept verbatim)
from __future__ import annotations

import argparse
from typing import Any

import numpy as np


def generate_sine_wave(fw: Any) -> None:
    torch = fw.torch

    np.random.seed(2)

    T = 20
    L = 24
    N = 6

    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype('float64')
    with open('traindata.pt', 'wb') as f:  # port: closed at once (the original leaks it)
        torch.save(data, f)


def run(fw: Any) -> dict[str, Any]:
    generate_sine_wave(fw)
    torch = fw.torch
    nn = fw.nn
    optim = fw.optim

    class Sequence(nn.Module):
        def __init__(self):
            super(Sequence, self).__init__()
            self.lstm1 = nn.LSTMCell(1, 51)
            self.lstm2 = nn.LSTMCell(51, 51)
            self.linear = nn.Linear(51, 1)

        def forward(self, input, future = 0):
            outputs = []
            h_t = torch.zeros(input.size(0), 51, dtype=torch.double)
            c_t = torch.zeros(input.size(0), 51, dtype=torch.double)
            h_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
            c_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)

            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for i in range(future):# if we should predict the future
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            outputs = torch.cat(outputs, dim=1)
            return outputs

    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=15, help='steps to run')
    opt = parser.parse_args(['--steps', '1'])
    # set random seed to 0
    np.random.seed(0)
    torch.manual_seed(0)
    # load data and make training set
    data = torch.load('traindata.pt', weights_only=False)  # port: see the docstring
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])
    # build the model
    seq = Sequence()
    seq.double()
    fw.sync(seq)  # port: the same initial weights in both runs
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    losses, test_losses = [], []
    #begin to train
    for i in range(opt.steps):
        print('STEP: ', i)
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', loss.item())
            losses.append(loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = 10
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', loss.item())
            test_losses.append(loss.item())
            y = pred.detach().numpy()
    return {"losses": losses, "test_losses": test_losses, "prediction": y.ravel().tolist()}
