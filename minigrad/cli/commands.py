"""What ``minigrad train`` and ``minigrad eval`` do (the parser is in ``minigrad.cli``); the
language models' side is in :mod:`minigrad.cli.commands_lm`.

>>> from minigrad.cli import build_parser
>>> args = build_parser().parse_args(["train", "--model", "logreg"])
>>> settings = resolve_settings(args)
>>> settings["optimizer"], settings["lr"], settings["milestones"]
('sgd', 0.01, [5, 10, 15])
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

import minigrad as mg
from minigrad.cli import distributed as cli_dist
from minigrad.cli import early_stopping as cli_es
from minigrad.data import (
    MNIST,
    DataLoader,
    DatasetNotFoundError,
    FashionMNIST,
    IDXError,
    Subset,
    SyntheticDigits,
    TensorDataset,
    default_data_root,
)
from minigrad.models import build_model, input_options, model_kind
from minigrad.training import (
    CHECKPOINT_NAME,
    CheckpointError,
    build_optimizer,
    build_scheduler,
    evaluate,
    fit,
    load_checkpoint,
    recipe,
    restore,
)

__all__ = ["UserError", "check_settings", "dispatch", "load_dataset", "resolve_settings",
           "run_eval", "run_train"]

# the options a run is made of: stored in the checkpoint so `eval` and `--resume` rebuild it
_SETTINGS = ("model", "dataset", "epochs", "batch_size", "lr", "optimizer", "momentum",
             "weight_decay", "lr_schedule", "lr_gamma", "lr_step", "milestones", "seed",
             "limit", "test_limit", "synthetic_size", "grad_clip", "data", "val_split",
             "early_stopping")


class UserError(Exception):
    """A problem the user can fix (missing data, bad checkpoint); printed without traceback."""


def resolve_settings(args: argparse.Namespace,
                     base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The run's settings: explicit options, else ``base`` (a resumed run's), else the model's
    recipe. A resumed run keeps its model and dataset."""
    model = base["model"] if base else args.model
    settings = {"seed": 0, "synthetic_size": 10000, **recipe(model), **(base or {})}
    for key in _SETTINGS:
        value = getattr(args, key, None)
        if value is not None and key not in ("model", "dataset"):
            settings[key] = value
    if base is None:
        settings["model"], settings["dataset"] = args.model, args.dataset
    return {k: settings.get(k) for k in _SETTINGS}


def load_dataset(name: str, train: bool, root: str | None, synthetic_size: int = 10000,
                 seed: int = 0, command: str = "train") -> Any:
    """The image dataset ``name`` (mnist, fashion-mnist, synthetic), one split; a missing
    file is a :class:`UserError` in the words of ``minigrad COMMAND`` (``--data DIR``)."""
    try:
        if name == "mnist":
            return MNIST(root, train=train)
        if name == "fashion-mnist":
            return FashionMNIST(root, train=train)
    except DatasetNotFoundError as e:
        cls = MNIST if name == "mnist" else FashionMNIST
        raise UserError(_missing_files(cls, train, root, command)) from e
    except IDXError as e:
        raise UserError(f"{e}{_SYNTHETIC_HINT if command == 'train' else ''}") from e
    if name == "synthetic":
        size = synthetic_size if train else max(synthetic_size // 5, 1)
        return SyntheticDigits(train=train, size=size, seed=seed)
    raise UserError(f"unknown image dataset {name!r} (image models train on mnist, "
                    "fashion-mnist or synthetic)")


_SYNTHETIC_HINT = "\n(no files needed: try --dataset synthetic)"


def _missing_files(cls: Any, train: bool, root: str | None, command: str) -> str:
    """The missing-dataset message for a CLI user: options, not Python arguments."""
    where = os.path.abspath(root or default_data_root())
    message = (f"{cls.folder}: missing {', '.join(cls.files(train))} in {where} (or "
               f"{os.path.join(where, cls.folder)}). Put the canonical gzipped IDX files in a "
               f"folder and pass --data DIR (or set MINIGRAD_DATA to it, or to its parent "
               f"holding {cls.folder}/).")
    return message + (_SYNTHETIC_HINT if command == "train" else "")


def _first(ds: TensorDataset, limit: int | None) -> Any:
    if limit is None or limit >= len(ds):
        return ds
    if limit < 1:
        raise UserError(f"--limit must be positive, got {limit}")
    return Subset(ds, np.arange(limit))


def _tensors(settings: dict[str, Any], train: bool, root: str | None, device: str,
             command: str = "train") -> Any:
    ds = load_dataset(settings["dataset"], train, root, settings["synthetic_size"],
                      seed=settings["seed"], command=command)
    data = ds.tensors(device=device, **input_options(settings["model"]))
    return _first(data, settings["limit"] if train else settings["test_limit"])


def _check_device(device: str) -> None:
    try:
        mg.zeros(1, device=device)
    except (mg.DeviceError, ValueError, ImportError) as e:
        raise UserError(f"device {device!r} is not usable: {e}") from e


def dispatch(handler: str, args: argparse.Namespace) -> int:
    """Run subcommand ``handler`` (train, eval, sample) for an image or a language model."""
    from minigrad.cli import commands_lm

    if handler == "sample":
        return commands_lm.run_sample(args)
    path = args.resume if handler == "train" else args.checkpoint
    checkpoint = _load(path) if path else None
    model = checkpoint["config"].get("model", "mlp") if checkpoint else args.model
    try:
        language = model_kind(model) == "language"
    except ValueError as e:
        raise UserError(f"checkpoint {path} is for a model this minigrad does not know: {e}"
                        ) from e
    if handler == "train":
        if language and (args.val_split is not None or args.early_stopping is not None):
            raise UserError("--val-split and --early-stopping are for the image models "
                            "(char-gpt evaluates on its corpus's own val split)")
        if language:
            cli_dist.single_process_only("training a language model", UserError)
            return commands_lm.run_train_lm(args, checkpoint)
        return cli_dist.guarded(run_train, args, checkpoint)
    if language:
        return commands_lm.run_eval_lm(args, checkpoint or {})
    return run_eval(args, checkpoint)


def run_train(args: argparse.Namespace, checkpoint: dict[str, Any] | None = None) -> int:
    """``minigrad train``: returns 0, or 130 when stopped with Ctrl-C."""
    if args.resume:
        checkpoint = checkpoint or _load(args.resume)
        settings = resolve_settings(args, base=checkpoint["config"])
    else:
        settings = resolve_settings(args)
    check_settings(settings, args)
    if settings["data"] is not None:  # kept in the checkpoint: eval and --resume find it
        settings["data"] = os.path.abspath(settings["data"])
    cli_es.check_resume(checkpoint, settings, args.resume, UserError)
    if checkpoint is not None and checkpoint["epoch"] >= settings["epochs"]:
        raise UserError(f"the run in {args.resume} already finished epoch "
                        f"{checkpoint['epoch']} of {settings['epochs']}; pass --epochs N with "
                        f"N > {checkpoint['epoch']} to train it further")
    run = cli_dist.join(args.device)  # several ranks under mpiexec, else None
    rank0 = run is None or run.rank == 0
    if run is not None:
        args.device = run.device(args.device)
    _check_device(args.device)
    out = args.out or (os.path.dirname(os.path.abspath(args.resume)) if args.resume else
                       os.path.join("runs", f"{settings['model']}-{settings['dataset']}"))
    if rank0:
        _check_writable(out)
        if checkpoint is None:
            cli_es.remove_stale_best(out)
    verbose = not args.quiet and rank0
    mg.manual_seed(settings["seed"])
    train_set, val_set = cli_es.split_validation(
        _tensors(settings, True, settings["data"], args.device), settings["val_split"],
        settings["seed"], UserError)
    test_set = _tensors(settings, False, settings["data"], args.device)
    model = build_model(settings["model"]).to(args.device)
    optimizer = build_optimizer(settings["optimizer"], model.parameters(), lr=settings["lr"],
                                momentum=settings["momentum"],
                                weight_decay=settings["weight_decay"])
    scheduler = build_scheduler(settings["lr_schedule"], optimizer, settings["epochs"],
                                gamma=settings["lr_gamma"], step_size=settings["lr_step"],
                                milestones=settings["milestones"])
    start, history = 0, []
    if checkpoint is not None:
        start = _restore(args.resume, checkpoint, model, optimizer, scheduler)
        history = checkpoint["history"]
    train_loader = DataLoader(train_set, batch_size=settings["batch_size"], shuffle=True,
                              seed=settings["seed"])
    if run is not None:  # shards of the training set, one replica of the model per rank
        train_loader = run.loader(train_set, settings["batch_size"], settings["seed"])
        model = run.wrap(model)
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size)
    val_loader = (DataLoader(val_set, batch_size=args.eval_batch_size)
                  if val_set is not None else None)
    if verbose:
        print(f"minigrad train: {settings['model']} on {settings['dataset']} "
              f"({len(train_set)} train / "
              f"{f'{len(val_set)} val / ' if val_set is not None else ''}"
              f"{len(test_set)} test), {settings['optimizer']} "
              f"lr {settings['lr']:g}, batch {settings['batch_size']}"
              f"{f' x {run.world_size} ranks' if run else ''}, epochs "
              f"{start + 1}..{settings['epochs']}, device {args.device}, out {out}",
              file=sys.stderr)
    recorder = (_grad_recorder(model, max(1, len(train_loader) // 50))
                if args.plot_grads else None)
    tb = (_tensorboard(args.tensorboard, model, start + 1 if checkpoint is not None else None)
          if args.tensorboard and rank0 else None)
    result = fit(model, optimizer, train_loader, test_loader, epochs=settings["epochs"],
                 scheduler=scheduler, out_dir=out if rank0 else None, config=settings,
                 start_epoch=start, history=history,
                 seed=settings["seed"] + (run.rank if run else 0), verbose=verbose,
                 after_step=_chain(recorder.step if recorder is not None else None,
                                   tb.step if tb is not None else None),
                 on_epoch_end=_chain((lambda _: recorder.mark_epoch()) if recorder is not None
                                     else None, tb.epoch_end if tb is not None else None),
                 grad_clip=settings["grad_clip"], val_loader=val_loader,
                 patience=settings["early_stopping"])
    if recorder is not None:
        recorder.remove()
        if rank0:
            _plot(recorder, os.path.join(out, "grad_flow.png"))
    if tb is not None:
        tb.close(result.final, settings)
    if not rank0:
        return 130 if result.interrupted else 0
    final = result.final
    status = ("interrupted" if result.interrupted else
              "stopped early" if result.stopped_early else "done")
    if final and result.best is not None:
        print(cli_es.best_line(result.best, out))
    if final:
        print(f"{status}: {settings['model']} on {settings['dataset']}, epoch {final['epoch']}"
              f"/{settings['epochs']}: test accuracy {100 * final['test_acc']:.2f}% "
              f"(loss {final['test_loss']:.4f}), train accuracy {100 * final['train_acc']:.2f}%"
              f", wall time {result.time_s:.1f} s; checkpoint "
              f"{os.path.join(out, CHECKPOINT_NAME)}, metrics {os.path.join(out, 'metrics.json')}")
    else:
        print(f"{status}: no epoch completed ({result.time_s:.1f} s)")
    return 130 if result.interrupted else 0


def _load(path: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        raise UserError(f"no checkpoint at {path}")
    try:
        return load_checkpoint(path)
    except (CheckpointError, ValueError, OSError, KeyError) as e:
        raise UserError(f"cannot read checkpoint {path}: {e}") from e


def _restore(path: str, checkpoint: dict[str, Any], model: Any, optimizer: Any = None,
             scheduler: Any = None) -> int:
    """:func:`restore`, with a checkpoint that opens but does not fit as a UserError (the
    model, optimizer and schedule are left as they were)."""
    try:
        return restore(checkpoint, model, optimizer, scheduler)
    except (CheckpointError, ValueError, TypeError, KeyError) as e:
        message = str(e).removeprefix("restore: ")
        raise UserError(f"checkpoint {path} does not fit: {message}") from e


def _positive(option: str, value: Any) -> None:
    if value is not None and not value > 0:
        raise UserError(f"{option} must be positive, got {value}")


def check_settings(settings: dict[str, Any], args: argparse.Namespace) -> None:
    """Refuse settings no run can use (from the command line or a resumed checkpoint), with
    one line naming the option.

    >>> from minigrad.cli import build_parser
    >>> args = build_parser().parse_args(["train", "--batch-size", "0"])
    >>> check_settings(resolve_settings(args), args)
    Traceback (most recent call last):
    minigrad.cli.commands.UserError: --batch-size must be positive, got 0
    """
    for option, key in (("--epochs", "epochs"), ("--batch-size", "batch_size"), ("--lr", "lr"),
                        ("--limit", "limit"), ("--test-limit", "test_limit"),
                        ("--synthetic-size", "synthetic_size"), ("--lr-step", "lr_step"),
                        ("--grad-clip", "grad_clip")):
        _positive(option, settings.get(key))
    cli_es.check_options(settings, UserError)
    for option, key in (("--momentum", "momentum"), ("--weight-decay", "weight_decay")):
        if settings.get(key) is not None and not settings[key] >= 0:
            raise UserError(f"{option} must be >= 0, got {settings[key]}")
    if settings.get("lr_gamma") is not None and not 0 < settings["lr_gamma"] <= 1:
        raise UserError(f"--lr-gamma must be in (0, 1], got {settings['lr_gamma']}")
    _positive("--eval-batch-size", getattr(args, "eval_batch_size", None))


def _check_writable(out: str) -> None:
    """Make the output folder, or say in one line why it cannot be written."""
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise UserError(f"--out {out}: cannot create the folder ({e.strerror})") from e
    if not os.access(out, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: the folder is not writable")


def _grad_recorder(model: Any, every: int) -> Any:
    try:
        from minigrad.viz.flow import GradientFlow
    except ImportError as e:
        raise UserError(f"--plot-grads needs minigrad.viz.flow.GradientFlow: {e}") from e
    return GradientFlow(model, every=every)


def _tensorboard(log_dir: str, model: Any, purge_step: int | None) -> Any:
    try:
        from minigrad.utils.tensorboard.training import TensorBoardLogger

        return TensorBoardLogger(log_dir, model, purge_step)
    except ImportError as e:
        raise UserError(f"--tensorboard: {e}") from e


def _chain(*fns: Any) -> Any:
    """One callback calling each of ``fns`` that is not None (None when all are)."""
    live = [f for f in fns if f is not None]
    if not live:
        return None
    return lambda *a: [f(*a) for f in live] and None


def _plot(recorder: Any, path: str) -> None:
    try:
        recorder.plot(path)
    except ImportError as e:
        print(f"--plot-grads: could not plot ({e}); pip install 'minigrad[viz]'",
              file=sys.stderr)
        return
    print(f"gradient flow: {path}", file=sys.stderr)


def _eval_data(option: str | None, trained_on: str | None) -> str | None:
    """``--data`` when given, else the folder the checkpoint was trained from (when it still
    exists), else the default (``$MINIGRAD_DATA``, ``~/.minigrad/data``)."""
    if option is not None:
        return option
    return trained_on if trained_on and os.path.isdir(trained_on) else None


def run_eval(args: argparse.Namespace, checkpoint: dict[str, Any] | None = None) -> int:
    """``minigrad eval CHECKPOINT``: test accuracy of a saved model."""
    checkpoint = checkpoint or _load(args.checkpoint)
    settings = {**recipe(checkpoint["config"].get("model", "mlp")), **checkpoint["config"]}
    settings["limit"] = settings["test_limit"] = args.limit
    _positive("--batch-size", args.batch_size)
    _positive("--limit", args.limit)
    _check_device(args.device)
    data = _tensors(settings, args.train, _eval_data(args.data, settings.get("data")),
                    args.device, command="eval")
    model = build_model(settings["model"]).to(args.device)
    _restore(args.checkpoint, checkpoint, model)
    t0 = time.perf_counter()
    r = evaluate(model, DataLoader(data, batch_size=args.batch_size))
    split = "train" if args.train else "test"
    print(f"{settings['model']} on {settings['dataset']} ({split}, {r['samples']} samples, "
          f"epoch {checkpoint['epoch']}): accuracy {100 * r['acc']:.2f}%, loss "
          f"{r['loss']:.4f} ({time.perf_counter() - t0:.1f} s)")
    return 0
