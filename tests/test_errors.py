"""Misuse gets a minigrad error naming the op, the argument and the shapes."""

from __future__ import annotations

import pytest

import minigrad as mg


def _raises(exc: type, *parts: str):
    """Context: raises ``exc`` whose message contains every one of ``parts``."""

    class _Check:
        def __enter__(self) -> None:
            self.cm = pytest.raises(exc)
            self.info = self.cm.__enter__()

        def __exit__(self, *e: object) -> bool:
            handled = self.cm.__exit__(*e)
            msg = str(self.info.value)
            for p in parts:
                assert p in msg, f"{p!r} not in {msg!r}"
            return handled

    return _Check()


def test_hierarchy() -> None:
    assert issubclass(mg.ShapeError, ValueError) and issubclass(mg.ShapeError, mg.MinigradError)
    assert issubclass(mg.MinigradTypeError, TypeError)
    assert issubclass(mg.AutogradError, RuntimeError)
    assert issubclass(mg.DeviceError, RuntimeError)
    assert issubclass(mg.AnomalyError, mg.AutogradError)


def test_non_broadcastable_shapes() -> None:
    with _raises(mg.ShapeError, "add", "(2, 3)", "(4,)", "not broadcastable"):
        mg.ones(2, 3) + mg.ones(4)
    with _raises(mg.ShapeError, "mul", "(2, 3)", "(3, 2)"):
        mg.ones(2, 3) * mg.ones(3, 2)
    with _raises(mg.ShapeError, "broadcast_to", "(3,)", "(2, 2)"):
        mg.broadcast_to(mg.ones(3), (2, 2))
    with _raises(mg.ShapeError, "where"):
        mg.where(mg.ones(2) > 0, mg.ones(3), mg.ones(2))


def test_matmul_inner_dim_mismatch() -> None:
    with _raises(mg.ShapeError, "matmul", "inner dimensions", "(2, 3)", "(2, 3)", "3 != 2"):
        mg.ones(2, 3) @ mg.ones(2, 3)
    with _raises(mg.ShapeError, "matmul", "(3,)", "(4,)"):
        mg.ones(3) @ mg.ones(4)
    with _raises(mg.ShapeError, "matmul", "batch dims", "(2, 2, 3)", "(3, 3, 1)"):
        mg.ones(2, 2, 3) @ mg.ones(3, 3, 1)
    with _raises(mg.ShapeError, "matmul", "at least 1 dim"):
        mg.tensor(1.0) @ mg.ones(1)


def test_bad_dim() -> None:
    x = mg.ones(2, 3)
    with _raises(mg.ShapeError, "sum", "dim 2 is out of range", "2 dims", "[-2, 1]"):
        x.sum(2)
    with _raises(mg.ShapeError, "mean", "dim -3"):
        x.mean(-3)
    with _raises(mg.ShapeError, "amax", "names an axis twice"):
        x.amax((0, -2))
    with _raises(mg.MinigradTypeError, "sum", "`dim` must be an int"):
        x.sum(1.5)
    with _raises(mg.ShapeError, "unsqueeze", "dim 4"):
        x.unsqueeze(4)
    with _raises(mg.ShapeError, "transpose"):
        x.transpose(0, 2)
    with _raises(mg.ShapeError, "permute", "not a permutation"):
        x.permute(0, 0)
    with _raises(mg.ShapeError, "cat", "dim"):
        mg.cat([x, x], dim=2)
    with _raises(mg.ShapeError, "flatten", "start_dim"):
        x.flatten(1, 0)


def test_reshape_wrong_size() -> None:
    with _raises(mg.ShapeError, "reshape", "(4, 2)", "invalid", "(2, 3)", "6 elements"):
        mg.ones(2, 3).reshape(4, 2)
    with _raises(mg.ShapeError, "reshape", "(-1, -1)"):
        mg.ones(2, 3).reshape(-1, -1)
    with _raises(mg.ShapeError, "reshape", "(4, -1)"):
        mg.ones(2, 3).reshape(4, -1)


def test_index_out_of_range() -> None:
    x = mg.ones(2, 3)
    with _raises(mg.ShapeError, "index", "index 3 is out of bounds", "dim 1", "size 3",
                 "(2, 3)"):
        x[0, 3]
    with _raises(mg.ShapeError, "index", "out of bounds", "dim 0"):
        x[mg.tensor([0, 5])]
    with _raises(mg.ShapeError, "index", "too many indices", "(2, 3)"):
        x[0, 0, 0]
    with _raises(mg.ShapeError, "mask of shape (3,)", "(2, 3)"):
        x[mg.tensor([True, False, True])]
    with _raises(mg.MinigradTypeError, "index", "float32"):
        x[mg.tensor([0.0])]
    with _raises(mg.ShapeError, "gather", "out of range", "size 3"):
        mg.gather(x, 1, mg.tensor([[3]]))
    with _raises(mg.ShapeError, "gather", "(3, 1)", "(2, 3)"):
        mg.gather(x, 1, mg.zeros(3, 1, dtype=mg.int64))


def test_join_errors() -> None:
    with _raises(mg.ShapeError, "cat"):
        mg.cat([mg.ones(2, 3), mg.ones(2, 4)], dim=0)
    with _raises(mg.ShapeError, "stack"):
        mg.stack([mg.ones(2), mg.ones(3)])
    with _raises(mg.ShapeError, "expand"):
        mg.ones(2, 3).expand(3)


def test_type_errors() -> None:
    with _raises(mg.MinigradTypeError, "tensor", "cannot make a tensor"):
        mg.tensor(["a", "b"])
    with _raises(TypeError, "mean", "floating point"):
        mg.tensor([1, 2]).mean()


def test_device_errors() -> None:
    with _raises(ValueError, "unknown device", "'tpu'"):
        mg.zeros(2, device="tpu")
    x = mg.ones(2)
    with _raises(mg.DeviceError):
        from minigrad.backends import backend_of

        backend_of([1, 2])
    assert x.device == "cpu"


def test_no_assert_for_user_input() -> None:
    """python -O must not strip validation: the core never uses assert on user input."""
    import pathlib

    import minigrad

    root = pathlib.Path(minigrad.__file__).parent
    core = ["tensor.py", "tensor_methods.py", "op.py", "autograd/engine.py", "gradmath.py",
            "dtypes.py", "creation.py", "grad_mode.py", *(f"ops/{p.name}" for p in
                                                         (root / "ops").glob("*.py"))]
    for name in core:
        src = (root / name).read_text()
        assert "\n    assert " not in src and "\nassert " not in src, name
