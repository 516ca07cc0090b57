"""pytorch/examples regression/main.py (fit a degree-4 polynomial with ``F.smooth_l1_loss``),
with its import lines changed. Its ``torch.randn`` data comes from the shared stream (see
``_framework``).

The test runs it with float64 as the default dtype (``DEFAULT_DTYPE``): in float32, its
steps of lr 0.1 on features up to x^4 amplify a last-bit difference of a sum (PyTorch and
NumPy sum in different orders) about 10^4-fold over a few hundred batches, so the two runs
stop with learned coefficients that differ in the second decimal the program prints, for
some initial weights. In float64 they agree to 1e-8 or better."""

# ruff: noqa: UP032, B007  (the program's own code, kept verbatim)
from __future__ import annotations

from itertools import count
from typing import Any

DEFAULT_DTYPE = "float64"


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch
    F = fw.F

    POLY_DEGREE = 4
    W_target = torch.randn(POLY_DEGREE, 1) * 5
    b_target = torch.randn(1) * 5

    def make_features(x):
        """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
        x = x.unsqueeze(1)
        return torch.cat([x ** i for i in range(1, POLY_DEGREE+1)], 1)

    def f(x):
        """Approximated function."""
        return x.mm(W_target) + b_target.item()

    def poly_desc(W, b):
        """Creates a string description of a polynomial."""
        result = 'y = '
        for i, w in enumerate(W):
            result += '{:+.2f} x^{} '.format(w, i + 1)
        result += '{:+.2f}'.format(b[0])
        return result

    def get_batch(batch_size=32):
        """Builds a batch i.e. (x, f(x)) pair."""
        random = torch.randn(batch_size)
        x = make_features(random)
        y = f(x)
        return x, y

    # Define model
    fc = torch.nn.Linear(W_target.size(0), 1)
    fw.sync(fc)  # port: the same initial weights in both runs

    for batch_idx in count(1):
        # Get data
        batch_x, batch_y = get_batch()

        # Reset gradients
        fc.zero_grad()

        # Forward pass
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()

        # Backward pass
        output.backward()

        # Apply gradients
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)

        # Stop criterion
        if loss < 1e-3:
            break

    print('Loss: {:.6f} after {} batches'.format(loss, batch_idx))
    print('==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias))
    print('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target))
    return {"loss": loss, "batches": batch_idx, "weight": fc.weight.view(-1).tolist(),
            "bias": fc.bias.tolist()}
