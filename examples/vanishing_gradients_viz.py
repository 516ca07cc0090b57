"""Vanishing gradients, seen: a deep sigmoid network beside a ReLU network.

Both networks have L hidden layers z^ℓ = W^ℓ a^{ℓ-1} + b^ℓ, a^ℓ = f(z^ℓ), then a linear output.
For one sample, δ^ℓ = ∂ρ/∂z^ℓ = ∂ρ/∂b^ℓ obeys δ^ℓ = f'(z^ℓ) ⊙ (W^{ℓ+1})ᵀ δ^{ℓ+1}, so

    ‖δ^ℓ‖ ≤ max f' · ‖W^{ℓ+1}‖₂ · ‖δ^{ℓ+1}‖.

The sigmoid's slope is at most ¼; the sigmoid network's weight matrices are scaled to spectral
norm ‖W‖₂ = 2, so each layer back at least halves the error: ‖δ^ℓ‖ ≤ 2^{-(L-ℓ)} ‖δ^L‖. That
bound is drawn on the sigmoid plot. The ReLU network (slope 0 or 1, He initialisation) keeps
its gradients at one order of magnitude through all layers.

The picture (``vanishing_gradients.png``): top, ‖∂ρ/∂b^ℓ‖ per layer for one sample at
initialisation; bottom, the weight-gradient norms of every layer over a short training run
(recorded by :class:`minigrad.viz.GradientFlow`), on one colour scale for both networks. The
script also writes each network's GradientFlow picture and, when graphviz is installed, the
sigmoid network's backprop graph coloured by gradient norm. Run:

    python examples/vanishing_gradients_viz.py --layers 12 --steps 150 --out-dir vanishing
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import nn, viz
from minigrad.optim import SGD


def make_net(kind: str, layers: int, width: int, n_in: int) -> nn.Sequential:
    """L hidden Linear+activation layers of ``width`` units, then a linear output."""
    mods: list[nn.Module] = []
    fan_in = n_in
    for _ in range(layers):
        lin = nn.Linear(fan_in, width)
        w = lin.weight.detach().numpy()
        if kind == "sigmoid":  # spectral norm exactly 2: each layer back halves ‖δ‖ at most
            w *= 2.0 / np.linalg.norm(w, 2)
        else:  # He initialisation for ReLU
            w[...] = np.random.default_rng(len(mods)).normal(0, math.sqrt(2 / fan_in), w.shape)
        mods += [lin, nn.Sigmoid() if kind == "sigmoid" else nn.ReLU()]
        fan_in = width
    mods.append(nn.Linear(width, 1))
    return nn.Sequential(*mods)


def hidden_linears(net: nn.Sequential) -> list[nn.Linear]:
    return [m for m in list(net)[:-1] if isinstance(m, nn.Linear)]


def delta_profile(net: nn.Sequential, x: mg.Tensor, y: mg.Tensor) -> list[float]:
    """‖∂ρ/∂b^ℓ‖ (= ‖δ^ℓ‖ for one sample), ℓ = 1..L."""
    net.zero_grad()
    ((net(x) - y) ** 2).mean().backward()
    return [float(np.linalg.norm(lin.bias.grad.numpy())) for lin in hidden_linears(net)]


def train(net: nn.Sequential, x: mg.Tensor, y: mg.Tensor, steps: int) -> viz.GradientFlow:
    weights = {f"layer {i + 1}": lin.weight for i, lin in enumerate(hidden_linears(net))}
    opt = SGD(net.parameters(), lr=0.01)
    with viz.GradientFlow(weights) as flow:
        for _ in range(steps):
            opt.zero_grad()
            ((net(x) - y) ** 2).mean().backward()
            opt.step()
            flow.step()
    return flow


def picture(profiles: dict[str, list[float]], flows: dict[str, viz.GradientFlow],
            path: Path) -> None:
    from matplotlib.figure import Figure

    L = len(next(iter(profiles.values())))
    layers = np.arange(1, L + 1)
    heat = {k: np.log10(np.array([f.grad_norms[n] for n in f.names])) for k, f in flows.items()}
    lo = min(float(h.min()) for h in heat.values())
    hi = max(float(h.max()) for h in heat.values())
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, height_ratios=[1, 1.1])
    titles = {"sigmoid": "Sigmoid network (‖W‖₂ = 2)", "relu": "ReLU network (He init)"}
    for col, kind in enumerate(("sigmoid", "relu")):
        ax = axes[0, col]
        prof = np.array(profiles[kind])
        ax.semilogy(layers, prof, "o-", color="#3b528b", lw=2, label="measured ‖∂ρ/∂b^ℓ‖")
        if kind == "sigmoid":
            bound = prof[-1] * 2.0 ** -(L - layers)
            ax.semilogy(layers, bound, "--", color="#d1495b", lw=2,
                        label="bound 2^-(L-ℓ) · ‖∂ρ/∂b^L‖")
        ax.set_title(titles[kind], loc="left", fontsize=12)
        ax.set_xlabel("layer ℓ (1 = input side)")
        ax.set_ylabel("gradient norm, one sample, at init")
        ax.set_xticks(layers)
        ax.grid(True, color="#dddddd", lw=0.6)
        ax.legend(frameon=False, fontsize=9)
        hm = axes[1, col]
        flow = flows[kind]
        img = hm.imshow(heat[kind], aspect="auto", cmap="viridis", vmin=lo, vmax=hi,
                        interpolation="nearest",
                        extent=(-0.5, flow.steps[-1] + 0.5, L + 0.5, 0.5))
        hm.set_yticks(layers)
        hm.set_ylabel("layer ℓ")
        hm.set_xlabel("training step")
        hm.set_title("log10 ‖∇W^ℓ‖ while training (same scale both sides)", loc="left",
                     fontsize=10)
    fig.colorbar(img, ax=axes[1, :], label="log10 ‖∇W‖", shrink=0.9)
    # share the y range of the two profile plots, so the slopes compare at a glance
    ys = [a.get_ylim() for a in axes[0]]
    for a in axes[0]:
        a.set_ylim(min(y[0] for y in ys), max(y[1] for y in ys))
    fig.suptitle("Vanishing gradients: sigmoid vs ReLU", fontsize=14, x=0.01, ha="left")
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=12, help="hidden layers L")
    parser.add_argument("--width", type=int, default=64, help="units per hidden layer")
    parser.add_argument("--steps", type=int, default=150, help="training steps")
    parser.add_argument("--out-dir", default="vanishing", help="where the pictures go")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    mg.manual_seed(args.seed)
    n_in = 16
    x, y = mg.randn(128, n_in), mg.randn(128, 1)
    nets = {k: make_net(k, args.layers, args.width, n_in) for k in ("sigmoid", "relu")}
    profiles = {k: delta_profile(net, x[:1], y[:1]) for k, net in nets.items()}
    L = args.layers
    for k, prof in profiles.items():
        print(f"{k:8s} ‖∂ρ/∂b^ℓ‖, ℓ = 1..{L}: " + " ".join(f"{v:.1e}" for v in prof))
    bound_ok = all(p <= profiles["sigmoid"][-1] * 2.0 ** -(L - i) * (1 + 1e-4)
                   for i, p in enumerate(profiles["sigmoid"], start=1))
    print(f"sigmoid profile within the bound 2^-(L-ℓ)·‖∂ρ/∂b^L‖: {bound_ok}")

    if args.layers <= 20:  # graphs of deeper nets get big; the flow pictures still work
        try:
            with viz.capture(nets["sigmoid"]) as cap:
                loss = ((nets["sigmoid"](x[:1]) - y[:1]) ** 2).mean()
                cap.watch(loss)
            loss.backward()
            g = viz.draw(loss, show_grads=True, collapse_modules=True)
            (out / "sigmoid_graph.svg").write_bytes(g.pipe(format="svg"))
        except viz.MissingDependencyError as e:
            print(f"(skipping the graph picture: {e})")

    flows = {k: train(net, x, y, args.steps) for k, net in nets.items()}
    for k, flow in flows.items():
        flow.plot(out / f"flow_{k}.png", title=f"Gradient flow, {k} network")
    picture(profiles, flows, out / "vanishing_gradients.png")
    print(f"wrote {out}/vanishing_gradients.png, flow_sigmoid.png, flow_relu.png")
    return profiles


if __name__ == "__main__":
    main()
