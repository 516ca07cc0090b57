"""minigrad.data: datasets, DataLoader, IDX files, MNIST, the synthetic digits, downloads."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (
    MNIST,
    ConcatDataset,
    DataLoader,
    Dataset,
    DatasetNotFoundError,
    DownloadError,
    FashionMNIST,
    IDXError,
    Subset,
    SyntheticDigits,
    TensorDataset,
    check_md5,
    default_collate,
    download_file,
    file_md5,
    random_split,
    read_idx,
    write_idx,
)
from minigrad.errors import MinigradTypeError, ShapeError

# ---------------------------------------------------------------------- datasets


def test_tensor_dataset_rows_and_errors() -> None:
    x, y = mg.randn(6, 3), mg.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.shape == (3,) and yi.shape == () and yi.item() == 4
    np.testing.assert_array_equal(xi.numpy(), x.numpy()[4])
    assert ds[np.array([1, 3])][1].tolist() == [1, 3]
    with pytest.raises(ShapeError, match="same size in dimension 0"):
        TensorDataset(mg.zeros(3, 2), mg.zeros(4))
    with pytest.raises(MinigradTypeError, match="argument 1"):
        TensorDataset(mg.zeros(3), [1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_subset_concat_and_random_split() -> None:
    ds = TensorDataset(mg.arange(10))
    sub = Subset(ds, [9, -1, 0])
    assert [sub[i][0].item() for i in range(3)] == [9, 9, 0]
    with pytest.raises(IndexError, match="indices must lie"):
        Subset(ds, [10])
    cat = ConcatDataset([ds, TensorDataset(mg.arange(3) + 100)])
    assert len(cat) == 13 and cat[12][0].item() == 102 and cat[-13][0].item() == 0
    with pytest.raises(IndexError):
        cat[13]
    parts = random_split(ds, [3, 3, 4], generator=np.random.default_rng(0))
    got = np.concatenate([p.indices for p in parts])
    assert sorted(got.tolist()) == list(range(10)) and [len(p) for p in parts] == [3, 3, 4]
    again = random_split(ds, [3, 3, 4], generator=np.random.default_rng(0))
    assert all((a.indices == b.indices).all() for a, b in zip(parts, again, strict=True))
    fr = random_split(TensorDataset(mg.arange(11)), [0.5, 0.5], generator=np.random.default_rng(1))
    assert [len(p) for p in fr] == [6, 5]
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(ds, [3, 3])


def test_dataset_base_class_and_add() -> None:
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    both = TensorDataset(mg.arange(2)) + TensorDataset(mg.arange(3))
    assert isinstance(both, ConcatDataset) and len(both) == 5


# ---------------------------------------------------------------------- DataLoader


def test_loader_batches_cover_the_data_once() -> None:
    x = mg.arange(23).float().reshape(23, 1)
    loader = DataLoader(TensorDataset(x, mg.arange(23)), batch_size=5, shuffle=True, seed=3)
    assert len(loader) == 5
    seen = []
    for xb, yb in loader:
        assert isinstance(xb, mg.Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())
        seen += yb.tolist()
    assert sorted(seen) == list(range(23)) and seen != list(range(23))
    dl = DataLoader(TensorDataset(x), batch_size=5, drop_last=True)
    sizes = [b[0].shape[0] for b in dl]
    assert sizes == [5, 5, 5, 5] and len(dl) == 4
    assert [b[0].shape[0] for b in DataLoader(TensorDataset(x), batch_size=5)][-1] == 3


def test_loader_shuffling_is_reproducible_per_epoch() -> None:
    ds = TensorDataset(mg.arange(50))

    def orders(loader: DataLoader, epochs: int) -> list[list[int]]:
        return [[v for (b,) in loader for v in b.tolist()] for _ in range(epochs)]

    a, b = orders(DataLoader(ds, 7, shuffle=True, seed=11), 3), orders(
        DataLoader(ds, 7, shuffle=True, seed=11), 3)
    assert a == b and a[0] != a[1]
    resumed = DataLoader(ds, 7, shuffle=True, seed=11)
    resumed.set_epoch(2)
    assert orders(resumed, 1)[0] == a[2]
    g1 = orders(DataLoader(ds, 7, shuffle=True, generator=np.random.default_rng(5)), 2)
    g2 = orders(DataLoader(ds, 7, shuffle=True, generator=np.random.default_rng(5)), 2)
    assert g1 == g2 and g1[0] != g1[1]
    mg.manual_seed(4)
    m1 = orders(DataLoader(ds, 7, shuffle=True), 1)
    mg.manual_seed(4)
    assert orders(DataLoader(ds, 7, shuffle=True), 1) == m1
    assert orders(DataLoader(ds, 7), 1)[0] == list(range(50))


class _Squares(Dataset):
    def __len__(self) -> int:
        return 7

    def __getitem__(self, i: int) -> tuple[np.ndarray, int, dict[str, float]]:
        return np.full(2, i, np.float32), i * i, {"w": float(i)}


def test_loader_generic_dataset_collates_fields() -> None:
    batches = list(DataLoader(_Squares(), batch_size=3))
    x, y, d = batches[0]
    assert x.shape == (3, 2) and x.dtype == np.float32
    assert y.tolist() == [0, 1, 4] and y.dtype == np.int64
    assert d["w"].dtype == np.float64 and d["w"].tolist() == [0.0, 1.0, 2.0]
    assert len(batches) == 3 and batches[-1][1].tolist() == [36]
    unbatched = list(DataLoader(_Squares(), batch_size=None))
    assert len(unbatched) == 7 and unbatched[2][1] == 4
    custom = list(DataLoader(_Squares(), batch_size=4, collate_fn=len))
    assert custom == [4, 3]


def test_loader_subset_fast_path_matches_slow_path() -> None:
    x = mg.randn(30, 4)
    sub = Subset(Subset(TensorDataset(x, mg.arange(30)), np.arange(30)[::-1]), [0, 5, 7, 2])
    fast = [b for b in DataLoader(sub, batch_size=3)]
    slow = [b for b in DataLoader(sub, batch_size=3, collate_fn=default_collate)]
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        assert yf.tolist() == ys.tolist()
    assert fast[0][1].tolist() == [29, 24, 22]


def test_loader_argument_errors() -> None:
    ds = TensorDataset(mg.arange(3))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(MinigradTypeError, match=r"numpy\.random\.Generator"):
        DataLoader(ds, generator=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="either seed or generator"):
        DataLoader(ds, seed=1, generator=np.random.default_rng())
    with pytest.raises(ValueError, match="empty batch"):
        default_collate([])


def test_loader_device_cpu_moves_batches() -> None:
    (xb,) = next(iter(DataLoader(TensorDataset(mg.ones(4, 2)), batch_size=2, device="cpu")))
    assert xb.device == "cpu" and xb.shape == (2, 2)


# ---------------------------------------------------------------------- IDX files


def _write_mnist(directory: Path, n_train: int = 12, n_test: int = 5, gz: bool = True) -> None:
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        suffix = ".gz" if gz else ""
        write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}",
                  (np.arange(n) % 10).astype(np.uint8))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_idx_round_trip(tmp_path: Path, dtype: type, name: str) -> None:
    arr = (np.arange(60) - 20).astype(dtype).reshape(3, 4, 5)
    write_idx(tmp_path / name, arr)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, arr)


def test_idx_rejects_bad_magic_truncation_and_padding(tmp_path: Path) -> None:
    good = tmp_path / "images-idx3-ubyte.gz"
    write_idx(good, np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(IDXError, match="magic number 2051, expected 2049"):
        read_idx(good, expected_magic=2049)
    raw = gzip.decompress(good.read_bytes())
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(struct.pack(">I", 0x12345678) + raw[4:]))
    with pytest.raises(IDXError, match=r"bad\.gz.*not an IDX header"):
        read_idx(bad)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(IDXError, match=r"short\.gz is truncated.*\(3, 28, 28\)"):
        read_idx(short, expected_magic=2051)
    long_ = tmp_path / "long"
    long_.write_bytes(raw + b"\0")
    with pytest.raises(IDXError, match="longer than its header"):
        read_idx(long_)
    tiny = tmp_path / "tiny"
    tiny.write_bytes(b"\0\0")
    with pytest.raises(IDXError, match="no IDX header"):
        read_idx(tiny)
    not_gz = tmp_path / "broken.gz"
    not_gz.write_bytes(b"this is not gzip")
    with pytest.raises(IDXError, match=r"cannot read .*broken\.gz"):
        read_idx(not_gz)
    cut_gz = tmp_path / "cut.gz"
    cut_gz.write_bytes(good.read_bytes()[:40])
    with pytest.raises(IDXError, match=r"cut\.gz"):
        read_idx(cut_gz)


# ---------------------------------------------------------------------- MNIST on small files


@pytest.mark.parametrize("layout", ["direct", "parent", "plain"])
def test_mnist_reads_small_idx_files(tmp_path: Path, layout: str) -> None:
    folder = tmp_path / "mnist" if layout == "parent" else tmp_path
    _write_mnist(folder, gz=layout != "plain")
    root = tmp_path
    train, test = MNIST(root, train=True), MNIST(root, train=False)
    assert len(train) == 12 and len(test) == 5
    assert train.data.dtype == np.uint8 and train.data.shape == (12, 28, 28)
    assert train.targets.dtype == np.int64 and train.targets.tolist()[:3] == [0, 1, 2]
    img, label = train[3]
    assert img.shape == (1, 28, 28) and img.dtype == np.float32 and label == 3
    np.testing.assert_allclose(img.numpy()[0], train.data.numpy()[3] / 255.0, rtol=1e-6)
    x, y = train.tensors(normalize=True).tensors
    expect = (train.data.numpy() / 255.0 - MNIST.mean) / MNIST.std
    np.testing.assert_allclose(x.numpy()[:, 0], expect, rtol=1e-5, atol=1e-5)
    assert y.tolist() == train.targets.tolist()
    flat = train.tensors(normalize=False, flatten=True, dtype=mg.float64).tensors[0]
    assert flat.shape == (12, 784) and flat.dtype == np.float64 and float(flat.max()) <= 1.0
    padded = train.tensors(pad=2).tensors[0]
    assert padded.shape == (12, 1, 32, 32)
    np.testing.assert_allclose(padded.numpy()[:, 0, 0, 0], -MNIST.mean / MNIST.std, rtol=1e-6)


def test_mnist_transforms_and_env_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_mnist(tmp_path / "mnist")
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    ds = MNIST(train=False, transform=lambda t: t * 2, target_transform=lambda y: y + 100)
    img, label = ds[1]
    assert label == 101 and float(img.max()) <= 2.0 and ds.root == str(tmp_path)


def test_mnist_missing_files_error_names_them(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(tmp_path)
    msg = str(info.value)
    assert "train-images-idx3-ubyte.gz" in msg and "train-labels-idx1-ubyte.gz" in msg
    assert "MINIGRAD_DATA" in msg and str(tmp_path / "mnist") in msg
    with pytest.raises(FileNotFoundError, match="fashion-mnist"):
        FashionMNIST(tmp_path, train=False)


def test_mnist_validates_contents(tmp_path: Path) -> None:
    _write_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(IDXError, match="12 images but labels of shape"):
        MNIST(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((5, 27, 28), np.uint8))
    with pytest.raises(IDXError, match=r"\(5, 27, 28\)"):
        MNIST(tmp_path, train=False)
    _write_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.full(5, 10, np.uint8))
    with pytest.raises(IDXError, match="go up to 10"):
        MNIST(tmp_path, train=False)
    _write_mnist(tmp_path)
    # labels file given in the images' place: magic 2049 where 2051 belongs
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        (tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(IDXError, match="magic number 2049, expected 2051"):
        MNIST(tmp_path, train=False)


# ---------------------------------------------------------------------- downloads (offline)


def test_md5_helpers(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"abc" * 1000)
    assert file_md5(p, chunk_size=7) == hashlib.md5(b"abc" * 1000).hexdigest()
    assert check_md5(p, file_md5(p).upper()) and not check_md5(p, "0" * 32)
    assert check_md5(p, None) and not check_md5(tmp_path / "nope", None)


def test_download_file_verifies_md5_and_tries_mirrors(tmp_path: Path) -> None:
    good, bad, dst = tmp_path / "good", tmp_path / "bad", tmp_path / "dst"
    good.mkdir()
    bad.mkdir()
    (good / "x.gz").write_bytes(b"right bytes")
    (bad / "x.gz").write_bytes(b"wrong bytes")
    md5 = hashlib.md5(b"right bytes").hexdigest()
    mirrors = [(tmp_path / "absent").as_uri(), bad.as_uri(), good.as_uri()]
    path = download_file("x.gz", dst, mirrors, md5)
    assert Path(path).read_bytes() == b"right bytes"
    assert sorted(p.name for p in dst.iterdir()) == ["x.gz"]  # no temporary leftovers
    (good / "x.gz").write_bytes(b"changed")
    assert download_file("x.gz", dst, mirrors, md5) == path  # kept: checksum already right
    (bad / "y.gz").write_bytes(b"?")
    with pytest.raises(DownloadError, match=r"md5 .* != expected") as info:
        download_file("y.gz", dst, [bad.as_uri()], md5)
    assert "y.gz" in str(info.value)
    assert sorted(p.name for p in dst.iterdir()) == ["x.gz"]


def test_mnist_download_uses_mirrors_and_md5(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    _write_mnist(mirror)
    md5s = {p.name: file_md5(p) for p in mirror.iterdir()}
    monkeypatch.setattr(MNIST, "mirrors", (mirror.as_uri() + "/",))
    monkeypatch.setattr(MNIST, "md5s", md5s)
    ds = MNIST(tmp_path / "data", train=False, download=True)
    assert len(ds) == 5 and (tmp_path / "data" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    monkeypatch.setattr(MNIST, "md5s", {**md5s, "train-images-idx3-ubyte.gz": "0" * 32})
    with pytest.raises(DownloadError, match="train-images"):
        MNIST(tmp_path / "other", download=True)


# ---------------------------------------------------------------------- real MNIST


def test_real_mnist_files(mnist_dir: Path) -> None:
    train, test = MNIST(mnist_dir), MNIST(mnist_dir.parent, train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert train.data.shape == (60000, 28, 28) and test.targets.dtype == np.int64
    assert np.bincount(test.targets.numpy()).tolist()[:3] == [980, 1135, 1032]
    pixels = train.data.numpy() / 255.0
    assert abs(pixels.mean() - MNIST.mean) < 1e-3 and abs(pixels.std() - MNIST.std) < 1e-3
    for name, md5 in MNIST.md5s.items():
        assert check_md5(mnist_dir / name, md5), name


# ---------------------------------------------------------------------- synthetic digits


def test_synthetic_is_deterministic_balanced_and_split() -> None:
    a, b = SyntheticDigits(size=200, seed=7), SyntheticDigits(size=200, seed=7)
    np.testing.assert_array_equal(a.data.numpy(), b.data.numpy())
    assert np.bincount(a.targets.numpy()).tolist() == [20] * 10
    test = SyntheticDigits(size=200, seed=7, train=False)
    assert not np.array_equal(test.data.numpy(), a.data.numpy())
    other = SyntheticDigits(size=200, seed=8)
    assert not np.array_equal(other.data.numpy(), a.data.numpy())
    assert a.data.shape == (200, 28, 28) and a.data.dtype == np.uint8
    big = SyntheticDigits(size=2000, seed=0).data.numpy() / 255.0
    assert abs(big.mean() - SyntheticDigits.mean) < 0.02
    assert abs(big.std() - SyntheticDigits.std) < 0.02
    with pytest.raises(ValueError, match="size"):
        SyntheticDigits(size=-1)


def test_synthetic_classes_are_separable_by_nearest_mean() -> None:
    """A nearest-class-mean classifier (no training loop) beats chance by far."""
    train = SyntheticDigits(size=2000, seed=0)
    test = SyntheticDigits(size=500, seed=0, train=False)
    x = train.data.numpy().reshape(2000, -1) / 255.0
    means = np.stack([x[train.targets.numpy() == k].mean(0) for k in range(10)])
    xt = test.data.numpy().reshape(500, -1) / 255.0
    pred = ((xt[:, None] - means[None]) ** 2).sum(-1).argmin(1)
    assert (pred == test.targets.numpy()).mean() > 0.5
