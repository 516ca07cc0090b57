"""Vanishing gradients in a deep chain of one-unit sigmoid layers.

The network is a chain a^ℓ = σ(W^ℓ a^{ℓ-1} + b^ℓ), ℓ = 1..L, of single units, every weight
W^ℓ = ½ and every bias 0, with the cost ρ = ½(a^L − y)². Backpropagation gives

    ∂ρ/∂W^ℓ = δ^ℓ a^{ℓ-1},   δ^ℓ = σ'(z^ℓ) W^{ℓ+1} δ^{ℓ+1},

so going one layer back multiplies the error by W·σ'(z) ≤ ½·¼. Since every activation lies in
(½, 1) here, the ratio a^{ℓ-1}/a^{L-1} is at most 2, and therefore

    |∂ρ/∂W^ℓ| ≤ 2 · (1/8)^{L-ℓ} · |∂ρ/∂W^L| ≤ 2^{-(L-ℓ)} · |∂ρ/∂W^L|   (for ℓ < L).

The script measures |∂ρ/∂W^ℓ| with minigrad's autograd and prints it beside the theory's
bound 2^{-(L-ℓ)}·|∂ρ/∂W^L| and the exact chain-rule product computed by hand. Run:

    python examples/vanishing_gradients.py --layers 12
"""

from __future__ import annotations

import argparse

import minigrad as mg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=12, help="depth L of the chain")
    parser.add_argument("--input", type=float, default=1.0, help="the input x")
    parser.add_argument("--target", type=float, default=0.0, help="the target y")
    args = parser.parse_args()
    L = args.layers

    weights = [mg.tensor([[0.5]], dtype=mg.float64, requires_grad=True) for _ in range(L)]
    biases = [mg.zeros(1, dtype=mg.float64, requires_grad=True) for _ in range(L)]

    a = mg.tensor([[args.input]], dtype=mg.float64)
    activations, pre = [a], []
    for w, b in zip(weights, biases, strict=True):  # define-by-run: the graph is this loop
        z = a @ w + b
        a = mg.sigmoid(z)
        pre.append(z)
        activations.append(a)
    rho = 0.5 * ((a - args.target) ** 2).sum()
    rho.backward()

    measured = [abs(w.grad.item()) for w in weights]
    # the same gradients by the chain rule, by hand: δ^L = (a^L − y) σ'(z^L), then backwards
    sig = [activations[i + 1].item() for i in range(L)]
    delta = (sig[-1] - args.target) * sig[-1] * (1 - sig[-1])
    by_hand = [0.0] * L
    for layer in range(L - 1, -1, -1):
        by_hand[layer] = abs(delta * activations[layer].item())
        if layer:
            delta *= 0.5 * sig[layer - 1] * (1 - sig[layer - 1])

    top = measured[-1]
    print(f"chain of {L} one-unit sigmoid layers, W = 1/2, b = 0, x = {args.input}, "
          f"y = {args.target}, rho = {rho.item():.4g}")
    print(f"{'layer':>5} {'|d rho/d W|':>13} {'chain rule':>13} {'ratio to L':>11} "
          f"{'bound 2^-(L-l)':>15} {'ok':>3}")
    for layer in range(L):
        ratio = measured[layer] / top
        bound = 2.0 ** -(L - 1 - layer)
        ok = "yes" if ratio <= bound * (1 + 1e-12) else "NO"
        print(f"{layer + 1:>5} {measured[layer]:>13.4e} {by_hand[layer]:>13.4e} "
              f"{ratio:>11.3e} {bound:>15.3e} {ok:>3}")
    if L > 2:  # from layer 2 on, where every a^{l-1} is a sigmoid output like a^{L-1}
        per_layer = (measured[1] / top) ** (1 / (L - 2))
        print(f"measured shrink factor per layer: {per_layer:.4f} (each step multiplies by "
              f"W·σ'(z) <= 1/8; the bound uses 1/2)")


if __name__ == "__main__":
    main()
